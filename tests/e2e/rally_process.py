"""Rally as a child process of the test run, never outliving it.

A test that fails half-way (a timeout, an assertion before its `finally`) must not leave a bot
running: every process started here is killed at the test's teardown (`reap`, an autouse fixture
in conftest), and the kernel kills it if the test run itself dies (`PR_SET_PDEATHSIG`).
"""

from __future__ import annotations

import asyncio
import ctypes
import os
import signal
import sys
from pathlib import Path

from bot.sandbox.emulator import DiscordEmulator

ROOT = Path(__file__).resolve().parents[2]
PR_SET_PDEATHSIG = 1
_running: list[asyncio.subprocess.Process] = []


def _die_with_parent() -> None:
    """In the child, before exec: SIGKILL when the test run's process goes (Linux)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


async def spawn(
    emu: DiscordEmulator, tmp_path: Path, token: str, *args: str
) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DEV_GUILD"))}
    env.update(
        DISCORD_TOKEN=token,
        DISCORD_API_URL=emu.api_base,
        DISCORD_GATEWAY_URL=emu.gateway_url,
        DATABASE_PATH=str(tmp_path / "rally.db"),
        PYTHONPATH=str(ROOT),
        PYTHONWARNINGS="default",
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-X", "dev", "-m", "bot", *args,
        cwd=tmp_path, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        preexec_fn=_die_with_parent if sys.platform == "linux" else None,
    )  # fmt: skip
    _running.append(proc)
    return proc


async def reap() -> None:
    """Kill whatever this test started and did not stop itself."""
    while _running:
        proc = _running.pop()
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
