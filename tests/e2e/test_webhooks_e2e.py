"""Webhooks end to end: real HTTP on 127.0.0.1 against the running bot's web server, the
organizer's `/petition webhook` in Discord, and a milestone announced after webhook signatures."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import aiohttp

from bot.client import RallyBot
from bot.domain.sealing import new_key_pair
from bot.domain.webhooks import body_signature
from bot.sandbox.emulator import DiscordEmulator
from bot.web.app import WebServer
from tests.e2e.conftest import World
from tests.e2e.rally_harness import Act, buttons, running_rally, text_of
from tests.webhook_payloads import AN_EXAMPLE, an_batch, an_event, generic_body, generic_row

SECRET_IN_TEXT = re.compile(r"\|\|`([0-9a-f]{64})`\|\|")
HASH_KEY = "h" * 40


@asynccontextmanager
async def rally_with_web(
    emu: DiscordEmulator, path: Path, **overrides: Any
) -> AsyncIterator[RallyBot]:
    public, _ = new_key_pair()
    settings: dict[str, Any] = {
        "web_port": 0,
        "rally_hash_key": HASH_KEY,
        "rally_public_key": public,
        **overrides,
    }
    async with running_rally(emu, path, **settings) as bot:
        assert bot.web is not None
        yield bot


async def webhook_secret(act: Act, world: World, code: str) -> str:
    it = await act.run(world.organizer, "petition webhook", {"code": code})
    match = SECRET_IN_TEXT.search(text_of(it.original))
    assert it.ephemeral and match, text_of(it.original)
    return match.group(1)


async def stored_events(bot: RallyBot) -> int:
    async with bot.db.read() as conn:
        return int(await conn.fetchval("SELECT COUNT(*) FROM webhook_events"))


async def total(bot: RallyBot, world: World, code: str) -> int:
    return (await bot.services.petitions.get(world.guild.id, code)).total


async def send(
    http: aiohttp.ClientSession, url: str, body: bytes, **headers: str
) -> tuple[int, dict[str, Any]]:
    headers.setdefault("Content-Type", "application/json")
    async with http.post(url, data=body, headers=headers) as response:
        return response.status, await response.json()


async def test_organizer_gets_the_urls_and_rotates_the_secret(
    emulator: DiscordEmulator, world: World, tmp_path: Path
) -> None:
    async with rally_with_web(
        emulator, tmp_path / "r.db", web_public_url="https://rally.example.org"
    ) as bot:
        act = Act(emulator, world.channel)
        code = await act.create_petition(world.organizer)
        it = await act.run(world.organizer, "petition webhook", {"code": code})
        shown = text_of(it.original)
        secret = SECRET_IN_TEXT.search(shown)
        assert secret and it.ephemeral
        assert f"https://rally.example.org/hooks/actionnetwork/{code}/{secret.group(1)}" in shown
        assert f"https://rally.example.org/hooks/generic/{code}" in shown
        refused = await act.run(world.anna, "petition webhook", {"code": code})
        assert "Only organizers" in text_of(refused.original)
        assert it.original is not None
        [rotate_id] = [c for c, label in buttons(it.original).items() if label == "Rotate secret"]
        clicked = await act.click(world.organizer, it.original, rotate_id)
        after = text_of(clicked.original)
        new = SECRET_IN_TEXT.search(after)
        assert new and new.group(1) != secret.group(1) and "no longer work" in after
        async with aiohttp.ClientSession() as http:
            base = f"{bot.web.url}/hooks/actionnetwork/{code}"  # type: ignore[union-attr]
            body = json.dumps(AN_EXAMPLE).encode()
            old, _ = await send(http, f"{base}/{secret.group(1)}", body)
            fresh, _ = await send(http, f"{base}/{new.group(1)}", body)
        assert (old, fresh) == (401, 200)


async def test_action_network_example_batches_and_replays_over_http(
    emulator: DiscordEmulator, world: World, tmp_path: Path
) -> None:
    async with rally_with_web(emulator, tmp_path / "r.db") as bot, aiohttp.ClientSession() as http:
        act = Act(emulator, world.channel)
        code = await act.create_petition(world.organizer, goal="100000")
        secret = await webhook_secret(act, world, code)
        url = f"{bot.web.url}/hooks/actionnetwork/{code}/{secret}"  # type: ignore[union-attr]
        status, answer = await send(http, url, json.dumps(AN_EXAMPLE).encode())
        assert (status, answer) == (
            200,
            {"accepted": 1, "duplicates": 0, "ignored": 0, "rejected": []},
        )
        status, answer = await send(http, url, json.dumps(an_batch(1, 100)).encode())
        assert (status, answer["accepted"]) == (200, 100)
        # the secret in a header instead of the path works too
        header_url = f"{bot.web.url}/hooks/actionnetwork/{code}"  # type: ignore[union-attr]
        status, answer = await send(
            http, header_url, json.dumps(an_batch(101, 10)).encode(), **{"X-Rally-Secret": secret}
        )
        assert (status, answer["accepted"]) == (200, 10)
        await bot.webhooks.idle()
        assert await total(bot, world, code) == 111
        # Action Network retries: the same idempotency keys count once, whenever they come
        replay = json.dumps(AN_EXAMPLE + an_batch(1, 100)).encode()
        status, answer = await send(http, url, replay)
        assert (status, answer["accepted"], answer["duplicates"]) == (200, 0, 101)
        assert await bot.services.webhooks.backlog() == 0
        assert await total(bot, world, code) == 111


async def test_generic_format_with_good_and_bad_hmac(
    emulator: DiscordEmulator, world: World, tmp_path: Path
) -> None:
    async with rally_with_web(emulator, tmp_path / "r.db") as bot, aiohttp.ClientSession() as http:
        act = Act(emulator, world.channel)
        code = await act.create_petition(world.organizer, goal="100000")
        secret = await webhook_secret(act, world, code)
        url = f"{bot.web.url}/hooks/generic/{code}"  # type: ignore[union-attr]
        body = generic_body(1, 1000)
        status, answer = await send(http, url, body, **{"X-Rally-Signature": "sha256=" + "0" * 64})
        assert (status, answer) == (401, {"error": "bad or missing X-Rally-Signature"})
        status, _ = await send(http, url, body)
        assert status == 401
        assert await stored_events(bot) == 0
        status, answer = await send(
            http, url, body, **{"X-Rally-Signature": body_signature(secret, body)}
        )
        assert (status, answer["accepted"]) == (200, 1000)
        await bot.webhooks.idle()
        assert await total(bot, world, code) == 1000


async def test_bad_input_gets_a_reason_and_stores_nothing(
    emulator: DiscordEmulator, world: World, tmp_path: Path
) -> None:
    path = tmp_path / "r.db"
    async with (
        rally_with_web(emulator, path, webhook_max_bytes=16384) as bot,
        aiohttp.ClientSession() as http,
    ):
        act = Act(emulator, world.channel)
        code = await act.create_petition(world.organizer)
        secret = await webhook_secret(act, world, code)
        base = bot.web.url  # type: ignore[union-attr]
        an_url = f"{base}/hooks/actionnetwork/{code}/{secret}"
        gen_url = f"{base}/hooks/generic/{code}"

        def signed(body: bytes) -> dict[str, str]:
            return {"X-Rally-Signature": body_signature(secret, body)}

        example = json.dumps(AN_EXAMPLE).encode()
        cases = [
            (f"{base}/hooks/actionnetwork/{code}/{'f' * 64}", example, {}, 401, "secret"),
            (f"{base}/hooks/actionnetwork/ZZZZZZ/{secret}", example, {}, 404, "petition"),
            (an_url, b'[{"osdi:signature": ', {}, 400, "not valid JSON"),
            (an_url, example, {"Content-Type": "text/plain"}, 415, "application/json"),
            (an_url, b"[" + b" " * 20000 + b"]", {}, 413, "larger than 16384"),
            (an_url, b'"just a string"', {}, 400, "JSON array"),
            (gen_url, b"\xff\xfe", signed(b"\xff\xfe"), 400, "not valid JSON"),
        ]
        for url, body, headers, expected, reason in cases:
            status, answer = await send(http, url, body, **headers)
            assert status == expected and reason in answer["error"], (url, answer)
        assert await stored_events(bot) == 0
        # one invalid event in a batch: reported, the others kept
        batch = an_batch(1, 3)
        batch[1]["osdi:signature"]["person"]["email_addresses"][0]["address"] = "nope"
        status, answer = await send(http, an_url, json.dumps(batch).encode())
        assert status == 200 and answer["accepted"] == 2
        assert answer["rejected"] == [{"index": 1, "reason": "the email address is not valid"}]
        bad = json.dumps([generic_row(1, email="@", postal_code=None)]).encode()
        status, answer = await send(http, gen_url, bad, **signed(bad))
        assert status == 422 and answer["accepted"] == 0 and len(answer["rejected"]) == 1
        assert await stored_events(bot) == 2


async def test_answers_within_500_ms_under_a_burst(
    emulator: DiscordEmulator, world: World, tmp_path: Path
) -> None:
    async with (
        rally_with_web(emulator, tmp_path / "r.db") as bot,
        aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=25)) as http,
    ):
        act = Act(emulator, world.channel)
        code = await act.create_petition(world.organizer, goal="100000")
        secret = await webhook_secret(act, world, code)
        url = f"{bot.web.url}/hooks/actionnetwork/{code}/{secret}"  # type: ignore[union-attr]
        bodies = [json.dumps([an_event(n)]).encode() for n in range(200)]
        gate = asyncio.Semaphore(25)  # Action Network delivers in parallel, not all at once

        async def timed(body: bytes) -> float:
            async with gate:
                started = time.perf_counter()
                status, _ = await send(http, url, body)
                assert status == 200
                return time.perf_counter() - started

        latencies = sorted(await asyncio.gather(*(timed(b) for b in bodies)))
        p99 = latencies[int(len(latencies) * 0.99) - 1]
        assert p99 < 0.5, f"p99 {p99 * 1000:.0f} ms"
        await bot.webhooks.idle()
        assert await total(bot, world, code) == 200


async def test_healthz_and_metrics(emulator: DiscordEmulator, world: World, tmp_path: Path) -> None:
    async with rally_with_web(emulator, tmp_path / "r.db") as bot, aiohttp.ClientSession() as http:
        act = Act(emulator, world.channel)
        code = await act.create_petition(world.organizer)
        secret = await webhook_secret(act, world, code)
        base = bot.web.url  # type: ignore[union-attr]
        await send(
            http, f"{base}/hooks/actionnetwork/{code}/{secret}", json.dumps(an_batch(1, 3)).encode()
        )
        await send(http, f"{base}/hooks/actionnetwork/{code}/{'0' * 64}", b"[]")
        await bot.webhooks.idle()
        async with http.get(f"{base}/healthz") as response:
            assert response.status == 200
            assert await response.json() == {
                "status": "ok",
                "database": True,
                "gateway": True,
                "webhook_backlog": 0,
                "outbox_pending": 0,
            }
        async with http.get(f"{base}/metrics") as response:
            assert response.status == 200
            assert response.content_type == "text/plain"
            text = await response.text()
        for line in (
            'rally_signatures{source="webhook"} 3.0',
            'rally_webhook_events_accepted_total{kind="actionnetwork"} 3.0',
            'rally_webhook_events_processed_total{outcome="counted"} 3.0',
            'rally_webhook_requests_total{kind="actionnetwork",status="401"} 1.0',
            'rally_webhook_events_rejected_total{kind="actionnetwork"} 1.0',
            'rally_interactions_total{type="application_command"}',
            'rally_interaction_seconds_bucket{command="petition webhook",le="0.5"}',
            "rally_webhook_backlog 0.0",
            "rally_outbox_pending 0.0",
            "rally_errors_total",
        ):
            assert line in text, line
        # the gateway down, or a backlog past the limit: 503 with what failed
        await bot.webhooks.stop()  # nothing counts the next event: it waits in the backlog
        await send(
            http,
            f"{base}/hooks/actionnetwork/{code}/{secret}",
            json.dumps(an_batch(50, 1)).encode(),
        )
        for context, failed in (
            (replace(bot.web_context(), gateway_ok=lambda: False), {"gateway": False}),
            (replace(bot.web_context(), max_backlog=0), {"webhook_backlog": 1}),
        ):
            server = WebServer(context)
            await server.start()
            try:
                async with http.get(f"{server.url}/healthz") as response:
                    body = await response.json()
            finally:
                await server.stop()
            assert response.status == 503 and body["status"] == "unhealthy", body
            assert failed.items() <= body.items()


async def test_webhook_signatures_announce_the_milestone_they_cross(
    emulator: DiscordEmulator, world: World, tmp_path: Path
) -> None:
    news = emulator.create_channel(world.guild, "news")
    async with rally_with_web(emulator, tmp_path / "r.db") as bot, aiohttp.ClientSession() as http:
        act = Act(emulator, world.channel)
        await act.run(world.organizer, "setup configure", {"announcement_channel": news})
        code = await act.create_petition(world.organizer, goal="1000")
        secret = await webhook_secret(act, world, code)
        url = f"{bot.web.url}/hooks/generic/{code}"  # type: ignore[union-attr]
        body = generic_body(1, 12)
        status, _ = await send(
            http, url, body, **{"X-Rally-Signature": body_signature(secret, body)}
        )
        assert status == 200
        message = await emulator.wait_for_message(
            news.id, lambda m: bool(m.embeds) and "🎉" in m.embeds[0]["title"], timeout=10
        )
        assert message.embeds[0]["title"] == "🎉 10 signatures!"
        assert await total(bot, world, code) == 12
