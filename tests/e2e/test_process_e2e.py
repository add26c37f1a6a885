"""Rally as a process: start-up against the emulator, clean SIGTERM, bad token, command sync."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

from bot.sandbox.emulator import DiscordEmulator
from tests.e2e.conftest import World
from tests.e2e.rally_harness import Act, running_rally, text_of
from tests.e2e.rally_process import spawn


async def test_process_serves_then_stops_cleanly_on_sigterm(
    emulator: DiscordEmulator, world: World, tmp_path: Path
) -> None:
    proc = await spawn(emulator, tmp_path, emulator.token)
    try:
        await emulator.wait_for_gateway(identifies=1, timeout=30)  # commands synced before
        act = Act(emulator, world.channel)
        about = await act.run(world.anna, "about")
        assert "Rally" in text_of(about.original)
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = await asyncio.wait_for(proc.communicate(), 30)
    log = err.decode()
    assert proc.returncode == 0, log
    assert "stopped cleanly" in log
    assert "Traceback" not in log and "Unclosed" not in log and "never awaited" not in log
    assert emulator.token not in log + out.decode()
    assert (tmp_path / "rally.db").stat().st_mode & 0o777 == 0o600


async def test_bad_token_fails_login_with_a_clear_message(
    emulator: DiscordEmulator, world: World, tmp_path: Path
) -> None:
    proc = await spawn(emulator, tmp_path, "not-the-token")
    _, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 2
    assert "Discord refused DISCORD_TOKEN" in err.decode()
    assert "Traceback" not in err.decode()
    assert "not-the-token" not in err.decode()


def syncs(emu: DiscordEmulator) -> list[str]:
    return [p for (m, p, s) in emu.requests if m == "PUT" and p.endswith("/commands")]


async def test_commands_sync_only_when_the_tree_changed(
    emulator: DiscordEmulator, world: World, tmp_path: Path
) -> None:
    path = tmp_path / "r.db"
    async with running_rally(emulator, path) as bot:
        assert bot.synced_commands
    assert len(syncs(emulator)) == 1
    async with running_rally(emulator, path) as bot:
        assert not bot.synced_commands
    assert len(syncs(emulator)) == 1
    async with running_rally(emulator, path, force_sync=True) as bot:
        assert bot.synced_commands
    assert len(syncs(emulator)) == 2
    async with running_rally(emulator, path, dev_guild_id=world.guild.id) as bot:
        assert bot.synced_commands
    assert syncs(emulator)[-1].endswith(f"/guilds/{world.guild.id}/commands")
