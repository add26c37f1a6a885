"""Faults during a surge, an unexpected error, and a kill -9: nothing lost, nothing doubled."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.db import Database
from bot.sandbox.emulator import DiscordEmulator, Interaction, InteractionFailed, Member
from tests.e2e.conftest import World, build_world
from tests.e2e.rally_harness import Act, running_rally, text_of
from tests.e2e.rally_process import spawn
from tests.e2e.test_milestones_e2e import rungs
from tests.reliability_figures import record

CALLBACK = "/interactions/{interaction_id}/{interaction_token}/callback"
MESSAGES = "/channels/{channel_id}/messages"
SIGNER = re.compile(r"You're signer #([\d,]+)")


async def stored_signers(path: Path) -> dict[int, int]:
    """Discord user id → how many signatures the database holds for them."""
    db = Database(path)
    await db.open()
    try:
        async with db.read() as conn:
            rows = await conn.fetchall(
                "SELECT m.user_id, COUNT(s.id) FROM member_links m "
                "JOIN signatures s ON s.signer_id = m.signer_id GROUP BY m.user_id"
            )
        return {int(r[0]): int(r[1]) for r in rows}
    finally:
        await db.close()


def acknowledged(its: list[Interaction]) -> dict[int, int]:
    """Members who were told "You're signer #N" → N."""
    told = {}
    for it in its:
        match = SIGNER.search(text_of(it.original)) if it.original else None
        if match:
            told[it.member.user.id] = int(match.group(1).replace(",", ""))
    return told


def record_surge(
    test: str, faults: int, told: dict[int, int], stored: dict[int, int], expected: int, posted: int
) -> None:
    """The surge's figures for `make reliability`, recorded before the test asserts on them."""
    record(
        test,
        faults=faults,
        acknowledged=len(told),
        stored=len(set(told) & set(stored)),
        duplicated=sum(count - 1 for count in stored.values()),
        announcements_expected=expected,
        announcements_posted=posted,
    )


async def surge(
    emu: DiscordEmulator, act: Act, members: list[Member], code: str
) -> list[Interaction]:
    its = await asyncio.gather(
        *(emu.run_command(m, act.channel, "petition sign", {"code": code}) for m in members)
    )
    for it in its:
        with contextlib.suppress(InteractionFailed):  # a failed interaction is data here
            await it.wait_until(lambda it=it: it.acknowledged or it.failed, timeout=30)
            if it.acknowledged:
                await it.wait_original(timeout=30)  # a deferred answer arrives as a follow-up
    return list(its)


async def test_unexpected_errors_get_an_apology_with_an_id_and_a_logged_traceback(
    emulator: DiscordEmulator, world: World, tmp_path: Path, caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    async with running_rally(emulator, tmp_path / "r.db") as bot:
        act = Act(emulator, world.channel)
        code = await act.create_petition(world.organizer)

        async def broken(*args: object, **kwargs: object) -> None:
            raise RuntimeError("internal detail: /srv/secret/path")

        monkeypatch.setattr(bot.services.petitions, "sign", broken)
        with caplog.at_level(logging.ERROR, logger="bot.tree"):
            it = await act.run(world.anna, "petition sign", {"code": code})
        reply = text_of(it.original)
        assert it.ephemeral and "Sorry, something went wrong" in reply
        error_id = re.search(r"error id: ([0-9a-f]{8})", reply)
        assert error_id is not None
        assert "RuntimeError" not in reply and "secret" not in reply
        logged = [r for r in caplog.records if error_id.group(1) in r.getMessage()]
        assert logged and logged[0].exc_info is not None


async def test_a_surge_through_500s_429s_a_gateway_drop_and_lost_heartbeats(
    tmp_path: Path,
) -> None:
    emu = DiscordEmulator(interaction_deadline=3.0, heartbeat_interval=0.5)
    await emu.start()
    try:
        world = build_world(emu)
        news = emu.create_channel(world.guild, "news")
        members = [emu.create_member(world.guild, f"m{n}") for n in range(1000)]
        path = tmp_path / "r.db"
        async with running_rally(emu, path) as bot:
            act = Act(emu, world.channel)
            await act.run(world.organizer, "setup configure", {"announcement_channel": news})
            code = await act.create_petition(world.organizer, goal="100000")
            emu.faults.fail_next("POST", CALLBACK, status=500, count=15)
            emu.faults.fail_next("POST", CALLBACK, status=502, count=15)
            emu.faults.fail_next("POST", CALLBACK, status=429, count=15, retry_after=0.05)
            emu.faults.fail_next("POST", MESSAGES, status=500, count=2)
            emu.faults.fail_next("POST", MESSAGES, status=429, count=2, retry_after=0.05)
            its: list[Interaction] = []
            for wave, start in enumerate(range(0, 1000, 200)):
                if wave == 2:
                    await emu.drop_gateway(resumable=True)
                if wave == 3:
                    emu.stop_heartbeat_acks()
                its += await surge(emu, act, members[start : start + 200], code)
                if wave == 3:
                    emu.resume_heartbeat_acks()
            told = acknowledged(its)
            await bot.announcer.drain()
            await emu.wait_for_message(news.id, lambda _: len(rungs(emu, news)) >= 8, timeout=30)
            await bot.announcer.drain()
            posted = rungs(emu, news)
        stored = await stored_signers(path)
        # 500s, 502s and 429s fired, plus the gateway drop and the lost heartbeat ACKs
        faults = len(emu.faults.fired) + 2
        record_surge(
            "surge through HTTP errors and gateway faults", faults, told, stored, 8, len(posted)
        )
        assert posted == [
            f"🎉 {n} signatures!" for n in ("10", "25", "50", "100", "250", "500", "750", "1,000")
        ]
        assert all(count == 1 for count in stored.values())  # nobody doubled
        assert set(told) <= set(stored)  # everyone told "signer #N" is stored
        assert len(set(told.values())) == len(told)  # every N distinct
        assert len(told) >= 990, f"only {len(told)} of 1000 were answered"
        assert emu.gateway.resumes >= 1
    finally:
        await emu.stop()


async def test_kill_9_mid_surge_loses_no_acknowledged_signature(
    emulator: DiscordEmulator, world: World, tmp_path: Path
) -> None:
    news = emulator.create_channel(world.guild, "news")
    # Established accounts: the process runs with the default abuse limits, which hold the
    # signatures of accounts made minutes ago for review (tests/e2e/test_abuse_e2e.py).
    since = datetime.now(UTC) - timedelta(days=400)
    members = [
        emulator.create_member(world.guild, f"m{n}", created_at=since + timedelta(seconds=n))
        for n in range(400)
    ]
    path = tmp_path / "rally.db"
    extra = {"LIVE_REFRESH_SECONDS": "0.1", "OUTBOX_POLL_SECONDS": "0.1"}
    os.environ.update(extra)
    started: list[asyncio.subprocess.Process] = []
    try:
        proc = await spawn(emulator, tmp_path, emulator.token)
        started.append(proc)
        await emulator.wait_for_gateway(identifies=1, timeout=30)
        act = Act(emulator, world.channel)
        await act.run(world.organizer, "setup configure", {"announcement_channel": news})
        code = await act.create_petition(world.organizer, goal="100000")
        first = await surge(emulator, act, members[:150], code)
        its = await asyncio.gather(
            *(emulator.run_command(m, world.channel, "petition sign", {"code": code})
              for m in members[150:])
        )  # fmt: skip
        await its[40].wait_until(lambda: its[40].acknowledged, timeout=10)
        proc.send_signal(signal.SIGKILL)
        await proc.wait()
        told = acknowledged(first + list(its))
        assert told, "some members must have been answered before the kill"

        restarted = await spawn(emulator, tmp_path, emulator.token)
        started.append(restarted)
        await emulator.wait_for_gateway(identifies=2, timeout=30)
        again = await surge(emulator, act, members[150:], code)  # the rest try again
        told.update(acknowledged(again))
        await emulator.wait_for_message(
            news.id, lambda _: len(rungs(emulator, news)) >= 5, timeout=30
        )
        await asyncio.sleep(0.5)  # the outbox polls every 0.1 s: room for a duplicate to show
        restarted.send_signal(signal.SIGTERM)
        await asyncio.wait_for(restarted.wait(), 30)  # a clean stop, or the test fails (and kills)
    finally:
        for key in extra:
            os.environ.pop(key, None)
        for process in started:  # a failed test must not leave a bot retrying forever
            if process.returncode is None:
                process.kill()
                await process.wait()
    stored = await stored_signers(path)
    posted = rungs(emulator, news)
    record_surge("kill -9 mid-surge, then restart", 1, told, stored, 5, len(posted))
    assert set(told) <= set(stored) and all(c == 1 for c in stored.values())
    assert len(stored) == 400
    assert rungs(emulator, news) == [
        f"🎉 {n} signatures!" for n in ("10", "25", "50", "100", "250")
    ]
