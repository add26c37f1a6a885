"""A full disk during `/signers import`, through the real bot and the emulator: the organizer gets
a clear, ephemeral answer (no apology), nothing of the file is counted, and once there is room the
same file imports in full."""

from __future__ import annotations

from pathlib import Path

from bot.sandbox.emulator import Attachment, DiscordEmulator, Message
from tests.db.signers_support import snapshot
from tests.db.test_storage_faults import pin_size, unpin_size
from tests.e2e.conftest import World
from tests.e2e.rally_harness import Act, text_of
from tests.e2e.test_signers_e2e import rally_with_keys
from tests.reliability_figures import record

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
