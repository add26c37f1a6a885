"""A full disk through the real bot: during `/signers import` the organizer gets a clear, ephemeral
answer (no apology), nothing of the file is counted, and once there is room the same file imports
in full; a webhook delivery is answered 503 with nothing stored, and the site's retry counts
once."""

from __future__ import annotations

import json
from pathlib import Path

import aiohttp

from bot.sandbox.emulator import Attachment, DiscordEmulator, Message
from tests.db.signers_support import snapshot
from tests.db.test_storage_faults import pin_size, unpin_size
from tests.e2e.conftest import World
from tests.e2e.rally_harness import Act, text_of
from tests.e2e.test_signers_e2e import rally_with_keys
from tests.e2e.test_webhooks_e2e import rally_with_web, send, total, webhook_secret
from tests.reliability_figures import record
from tests.webhook_payloads import an_batch

ROWS = 300
CSV = "first_name,last_name,email,zip_code\n" + "".join(
    f"Person{i},Test,person.{i}@example.org,{10000 + i}\n" for i in range(ROWS)
)


async def test_a_full_disk_during_an_import_is_a_clear_error_and_counts_nothing(
    emulator: DiscordEmulator, world: World, tmp_path: Path
) -> None:
    async with rally_with_keys(emulator, tmp_path / "r.db") as bot:
        act = Act(emulator, world.channel)
        code = await act.create_petition(world.organizer)
        before = await snapshot(bot.db)
        await pin_size(bot.db)

        async def import_file() -> str:
            it = await emulator.run_command(
                world.organizer,
                world.channel,
                "signers import",
                {"petition": code, "file": Attachment("list.csv", CSV.encode())},
            )

            def answered() -> Message | None:
                shown = it.original
                done = shown is not None and (
                    "Imported" in shown.content or "storage" in shown.content
                )
                return shown if done else None

            await it.wait_until(answered, timeout=30)
            assert it.ephemeral
            return text_of(it.original)

        shown = await import_file()
        assert "storage is full" in shown and "nothing was saved" in shown
        assert "Sorry, something went wrong" not in shown
        after = await snapshot(bot.db)
        after.pop("imports"), before.pop("imports")  # the attempt itself, marked failed
        assert after == before

        await unpin_size(bot.db)
        shown = await import_file()
        assert f"{ROWS} signatures counted" in shown
        async with bot.db.read() as conn:
            total = int(await conn.fetchval("SELECT signature_count FROM petitions"))
            stored = int(await conn.fetchval("SELECT COUNT(*) FROM signatures"))
        assert total == stored == ROWS
    record("full disk during /signers import (e2e)", faults=1, acknowledged=ROWS, stored=stored)


async def test_a_full_disk_answers_webhooks_503_and_the_resent_events_count_once(
    emulator: DiscordEmulator, world: World, tmp_path: Path
) -> None:
    async with rally_with_web(emulator, tmp_path / "r.db") as bot, aiohttp.ClientSession() as http:
        act = Act(emulator, world.channel)
        code = await act.create_petition(world.organizer, goal="100000")
        secret = await webhook_secret(act, world, code)
        url = f"{bot.web.url}/hooks/actionnetwork/{code}/{secret}"  # type: ignore[union-attr]
        batch = json.dumps(an_batch(1, 200)).encode()
        before = await snapshot(bot.db)
        await pin_size(bot.db)
        status, answer = await send(http, url, batch)
        assert status == 503 and "send the events again" in answer["error"]
        assert await snapshot(bot.db) == before
        await unpin_size(bot.db)
        status, answer = await send(http, url, batch)  # the site retries, as on any 5xx
        assert (status, answer["accepted"]) == (200, 200)
        status, answer = await send(http, url, batch)  # and once more: counted once
        assert (status, answer["duplicates"]) == (200, 200)
        await bot.webhooks.idle()
        counted = await total(bot, world, code)
        async with bot.db.read() as conn:
            rows = int(await conn.fetchval("SELECT COUNT(*) FROM signatures"))
            people = int(await conn.fetchval("SELECT COUNT(DISTINCT signer_id) FROM signatures"))
    record(
        "full disk during webhook deliveries",
        faults=1,
        acknowledged=200,
        stored=people,
        duplicated=rows - people,
    )
    assert counted == rows == people == 200
