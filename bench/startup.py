"""Benchmark 4, memory and start-up: Rally as a process on a million signatures, beside a bare bot.

The emulator (in this process) holds one guild of 100,000 members. Rally runs as it does in
production — ``python -m bot run`` in its own process, pointed at the emulator by
``DISCORD_API_URL``/``DISCORD_GATEWAY_URL`` — on a SQLite file with 1,000,000 signatures, built
here with raw ``executemany`` against Rally's own migrated schema (counters consistent: each
petition's ``signature_count`` and ``last_signer_number``; the triggers keep the hourly counts).

"Ready" is when the bot serves: the emulator has seen IDENTIFY and the bot has answered a first
interaction (Rally: ``/about``, which counts the server's petitions and signatures; the floor:
its one command). discord.py's own ``on_ready`` comes ``guild_ready_timeout`` after the last
GUILD_CREATE (2 s for Rally), which says nothing about the bot, so it is not what is timed.
RSS is ``VmRSS`` from ``/proc/<pid>/status`` at that moment.

Rally asks for no privileged intent, so GUILD_CREATE carries only the bot's own member and
``member_count``; the rows say what the payload held. Each bot starts twice and the second
start is reported (the first warms the page cache and, for Rally, syncs the command tree once).

Run alone: ``python -m bench.startup [scale]``.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.surge import print_rows, stop
from bot.db import Database
from bot.sandbox.emulator import Channel, CommandError, DiscordEmulator, Guild, Member
from bot.sandbox.emulator.gateway import GUILDS

Row = dict[str, object]

ROOT = Path(__file__).resolve().parents[1]
SIGNATURES = 1_000_000
MEMBERS = 100_000
PETITIONS = 100
SIGNATURES_PER_SIGNER = 4
DAYS = 30
RSS_GOAL_MB = 150.0
READY_GOAL_S = 2.0
LAUNCHES = 2
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)

# The floor: a bare discord.py bot (guilds intent, one slash command), run with `python -c`.
FLOOR_BOT = """
import os

import discord
import yarl
from discord.ext import commands

discord.http.Route.BASE = os.environ["DISCORD_API_URL"]
discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(os.environ["DISCORD_GATEWAY_URL"])


class Floor(commands.AutoShardedBot):
    async def setup_hook(self):
        @self.tree.command(name="about", description="About")
        async def about(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("A bare bot.", ephemeral=True)

        await self.tree.sync()


intents = discord.Intents.none()
intents.guilds = True
Floor(command_prefix=commands.when_mentioned, intents=intents, help_command=None).run(
    os.environ["DISCORD_TOKEN"], log_handler=None
)
"""


# --- the database -----------------------------------------------------------------------------


def stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds")


async def build_database(path: Path, guild_id: int, signatures: int) -> float:
    """Rally's schema (its own migrations), then ``signatures`` signatures over ``PETITIONS``
    petitions by ``signatures / 4`` Discord signers; returns the seconds it took."""
    started = time.perf_counter()
    db = Database(path)
    await db.open()
    await db.close()
    per_petition = max(1, signatures // PETITIONS)
    signers = max(per_petition, signatures // SIGNATURES_PER_SIGNER)
    step = timedelta(days=DAYS) / per_petition
    created = stamp(NOW - timedelta(days=DAYS))
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO signers (id, source, created_at) VALUES (?, 'discord', ?)",
            ((i, created) for i in range(1, signers + 1)),
        )
        conn.executemany(
            "INSERT INTO member_links (user_id, signer_id, linked_at) VALUES (?, ?, ?)",
            ((10**17 + i, i, created) for i in range(1, signers + 1)),
        )
        for p in range(1, PETITIONS + 1):
            conn.execute(
                "INSERT INTO petitions (id, code, guild_id, title, recipient, letter, goal, "
                "goal_is_custom, signature_count, last_signer_number, author_id, author_name, "
                "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, 1, 'olga', ?, ?)",
                (
                    p,
                    f"P{p:05d}",
                    guild_id,
                    f"Petition {p}",
                    "the City Council",
                    "Dear Council,\n\nPlease.",
                    10 * per_petition,
                    per_petition,
                    per_petition,
                    created,
                    created,
                ),
            )
            first = (p - 1) * per_petition
            start = NOW - timedelta(days=DAYS)
            conn.executemany(
                "INSERT INTO signatures (petition_id, signer_id, guild_id, source, "
                "signer_number, signed_at) VALUES (?, ?, ?, 'discord', ?, ?)",
                (
                    (p, (first + n) % signers + 1, guild_id, n + 1, stamp(start + step * n))
                    for n in range(per_petition)
                ),
            )
        conn.execute("COMMIT")
    finally:
        conn.close()
    return time.perf_counter() - started


# --- the processes ----------------------------------------------------------------------------


@dataclass
class Launch:
    identify_s: float
    ready_s: float
    rss_mb: float
    hwm_mb: float


def status_mb(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) of ``pid`` in MB."""
    fields: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024
    return fields["VmRSS"], fields["VmHWM"]


def environment(emu: DiscordEmulator, database: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DEV_GUILD"))}
    env.update(
        DISCORD_TOKEN=emu.token,
        DISCORD_API_URL=emu.api_base,
        DISCORD_GATEWAY_URL=emu.gateway_url,
        DATABASE_PATH=str(database),
        PYTHONPATH=str(ROOT),
        LOG_LEVEL="WARNING",
    )
    return env


async def launch(
    emu: DiscordEmulator,
    args: Sequence[str],
    env: dict[str, str],
    where: tuple[Member, Channel],
    cwd: Path,
) -> Launch:
    """Start a bot process; time IDENTIFY and its first answered ``/about``; read its RSS."""
    with tempfile.TemporaryFile() as log:
        identifies = emu.gateway.identifies
        started = time.perf_counter()
        proc = await asyncio.create_subprocess_exec(
            sys.executable, *args, cwd=cwd, env=env, stdout=log, stderr=log
        )
        try:
            waiting = asyncio.create_task(
                emu.wait_for_gateway(identifies=identifies + 1, timeout=120)
            )
            exited = asyncio.create_task(proc.wait())
            await asyncio.wait({waiting, exited}, return_when=asyncio.FIRST_COMPLETED)
            if not waiting.done():
                waiting.cancel()
                log.seek(0)
                raise RuntimeError(f"{args} stopped before IDENTIFY: {log.read()[-2000:]!r}")
            exited.cancel()
            identified = time.perf_counter() - started
            member, channel = where
            while True:  # the command tree may still be syncing: ask until /about exists
                try:
                    it = await emu.run_command(member, channel, "about")
                    break
                except CommandError:
                    await asyncio.sleep(0.005)
            await it.response(timeout=30)
            ready = time.perf_counter() - started
            rss, hwm = status_mb(proc.pid)
            return Launch(identified, ready, rss, hwm)
        finally:
            await stop(proc)


@dataclass
class Measured:
    rally: Launch
    floor: Launch
    rally_first: Launch
    members: int
    signatures: int
    build_s: float
    guild_create_members: int
    guild_create_member_count: int
    guild_create_bytes: int


def world(emu: DiscordEmulator, members: int) -> tuple[Guild, Channel, Member]:
    guild = emu.create_guild("Big server")
    channel = emu.create_channel(guild, "general")
    for i in range(members):
        emu.create_member(guild, f"m{i}")
    return guild, channel, next(iter(guild.members.values()))


async def measure(workdir: Path, members: int, signatures: int) -> Measured:
    emu = DiscordEmulator(validate_openapi=False)
    await emu.start()
    try:
        guild, channel, member = world(emu, members)
        database = workdir / "rally.db"
        build_s = await build_database(database, guild.id, signatures)
        payload = emu.guild_create_payload(guild, GUILDS)  # what Rally's intents receive
        env = environment(emu, database)
        floor_env = {k: v for k, v in env.items() if k != "DATABASE_PATH"}
        floors = [
            await launch(emu, ["-c", FLOOR_BOT], floor_env, (member, channel), workdir)
            for _ in range(LAUNCHES)
        ]
        rallies = [
            await launch(emu, ["-m", "bot", "run"], env, (member, channel), workdir)
            for _ in range(LAUNCHES)
        ]
        return Measured(
            rally=rallies[-1],
            floor=floors[-1],
            rally_first=rallies[0],
            members=members,
            signatures=signatures,
            build_s=build_s,
            guild_create_members=len(payload["members"]),
            guild_create_member_count=int(payload["member_count"]),
            guild_create_bytes=len(json.dumps(payload)),
        )
    finally:
        await emu.stop()


# --- rows -------------------------------------------------------------------------------------


def rows_for(m: Measured) -> list[Row]:
    name = f"start-up · {m.signatures:,} signatures, {m.members:,} members"

    def row(
        figure: str, value: float, unit: str, floor: float | None, goal: str, ok: bool | None
    ) -> Row:
        return {
            "name": name,
            "figure": figure,
            "value": round(value, 3),
            "unit": unit,
            "floor": None if floor is None else round(floor, 3),
            "ratio": None if not floor else round(value / floor, 3),
            "goal": goal,
            "ok": ok,
        }

    r, f = m.rally, m.floor
    return [
        row(
            "RSS after ready",
            r.rss_mb,
            "MB",
            f.rss_mb,
            f"< {RSS_GOAL_MB:.0f} MB",
            r.rss_mb < RSS_GOAL_MB,
        ),
        row("peak RSS (VmHWM)", r.hwm_mb, "MB", f.hwm_mb, "", None),
        row(
            "start → ready (/about answered)",
            r.ready_s,
            "s",
            f.ready_s,
            f"< {READY_GOAL_S:g} s",
            r.ready_s < READY_GOAL_S,
        ),
        row("start → IDENTIFY", r.identify_s, "s", f.identify_s, "", None),
        row("first start → ready (syncs commands)", m.rally_first.ready_s, "s", None, "", None),
        row("GUILD_CREATE members sent", m.guild_create_members, "members", None, "", None),
        row("GUILD_CREATE member_count", m.guild_create_member_count, "members", None, "", None),
        row("GUILD_CREATE size", m.guild_create_bytes / 1024, "KiB", None, "", None),
        row("database build (raw executemany)", m.build_s, "s", None, "", None),
    ]


async def run(members: int, signatures: int) -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="rally-bench-startup-") as tmp:
        return rows_for(await measure(Path(tmp), members, signatures))


def main(scale: float = 1.0) -> list[Row]:
    """Benchmark 4 at ``scale`` (1.0: 1,000,000 signatures and 100,000 members): prints the
    table and returns one row per figure."""
    members = max(10, round(MEMBERS * scale))
    signatures = max(PETITIONS, round(SIGNATURES * scale))
    rows = asyncio.run(run(members, signatures))
    print_rows(rows)
    return rows


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0)
