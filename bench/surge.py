"""Benchmark 1, sign surge: members click *Sign* on one petition as fast as the emulator dispatches.

Rally (the real bot, real discord.py, a real SQLite file) and a floor — a bare discord.py
``AutoShardedBot`` whose persistent button matches the same ``rally:sign:{id}`` custom ids and
answers with a static ephemeral message (`bench/floor`) — take the same surge, one after the
other, against the same emulator in the same run. Every interaction is dispatched at once
(``emu.click`` queues ``INTERACTION_CREATE`` on the gateway without waiting), so the figures are
those of a burst.

Each bot runs as its own process (``python -m bot``, as Rally runs in production, pointed at the
emulator by ``DISCORD_API_URL``/``DISCORD_GATEWAY_URL``; ``python -m bench.floor``), and the
emulator — standing in for Discord, which is never in the bot's process — runs in this one. With
both in one process the emulator's own work (dispatching, JSON, routing every response) shared
one event loop with the bot and was billed to it, to the floor and to Rally alike.

Latency runs from the moment the emulator created the interaction (``Interaction.created``, the
dispatch) to the moment the bot's initial response reached the emulator's callback route. The
emulator runs with OpenAPI validation off (it would bill its own JSON-schema work to both bots)
and with a generous deadline (``MEASURING_DEADLINE``) at every size, so that every interaction
takes the path it takes in production and every latency is measured: answers later than
Discord's 3 s are counted from the latencies ("answers past 3 s"), not hidden as failures.
With the real deadline, expired interactions sent each bot down error paths (404s, tracebacks)
whose cost distorted both sides once the machine was busy.

Before each surge both bots answer `WARM_UP_CLICKS` Sign clicks on a second petition (a bot
in a real surge has been running; each measured member is still new to it). Bursts up to
`ROUNDS_UP_TO` members run `ROUNDS` times and the round with the median throughput ratio is
reported (every round's ratio is printed). While a surge is measured, this process — the
emulator — runs without its garbage collector, whose full passes stalled dispatching at random.

Run alone: ``python -m bench.surge [scale]``.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import math
import os
import re
import signal
import sys
import tempfile
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.client import RallyBot
from bot.config import Settings
from bot.db import Database
from bot.db.petition_messages import ShownAt
from bot.domain.milestones import rungs_between
from bot.domain.petitions import Petition
from bot.sandbox.emulator import Channel, DiscordEmulator, Guild, Member, Message
from bot.sandbox.emulator.harness import running_client
from bot.sandbox.emulator.interactions import Interaction
from bot.sandbox.emulator.state import ADMINISTRATOR
from bot.services import Services
from bot.services.signers import SignerConfig

ROOT = Path(__file__).resolve().parents[1]

Row = dict[str, object]

SIZES = (100, 1_000, 5_000)
SMALLEST = 20
WARM_UP_CLICKS = 9  # below the first milestone (10): the warm-up petition announces nothing
DISCORD_DEADLINE = 3.0
MEASURING_DEADLINE = 120.0
#: Bursts up to this size run this many times (floor, Rally, floor, Rally, …): a burst of 100
#: lasts ~0.1 s and one of 1,000 ~1 s, and on a shared machine one round can be off by tens of
#: percent either way. The round with the median ratio is reported.
ROUNDS = 5
ROUNDS_UP_TO = 1_000
SMOKE_BELOW = 0.05  # at smaller scales (`make test`'s smoke run) two rounds are enough
THROUGHPUT_GOAL = 0.70
P99_GOAL_MS = 250.0
P99_GOAL_AT = 1_000
# The paced surge: 200 clicks/s is 12,000 signatures a minute, six times the record peak of the
# UK's "Revoke Article 50" petition (~2,000 a minute), dispatched open-loop on a fixed schedule.
PACED_RATE = 200.0
PETITION_GOAL = 100_000  # far above every surge: the ladder's rungs are the only announcements
START_TIMEOUT = 60.0
SETTLE_TIMEOUT = 60.0
RALLY = ("-m", "bot")
FLOOR = ("-m", "bench.floor")
CODE_IN_TEXT = re.compile(r"\b([A-Z]{6})\b")


# --- the two bots ---------------------------------------------------------------------------


class BenchRallyBot(RallyBot):
    """Rally as it runs, minus discord.py's 5-second pause before an IDENTIFY."""

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        return None


@contextlib.asynccontextmanager
async def running_rally(emu: DiscordEmulator, path: Path) -> AsyncIterator[RallyBot]:
    """Rally in this process against ``emu`` (the e2e harness's approach; production timings)."""
    settings = Settings(discord_token=emu.token, database_path=path)
    db = Database(path)
    bot = BenchRallyBot(
        settings=settings,
        db=db,
        services=Services.build(db, signer_config=SignerConfig.from_settings(settings)),
        guild_ready_timeout=0.05,
    )
    async with running_client(bot, emu) as running:
        yield running


@contextlib.asynccontextmanager
async def bot_process(
    emu: DiscordEmulator, command: Sequence[str], path: Path, log: Path
) -> AsyncIterator[asyncio.subprocess.Process]:
    """A bot as its own process against ``emu`` (its log in ``log``); SIGTERM on exit."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DEV_GUILD"))}
    env.update(
        DISCORD_TOKEN=emu.token,
        DISCORD_API_URL=emu.api_base,
        DISCORD_GATEWAY_URL=emu.gateway_url,
        DATABASE_PATH=str(path),
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    env.pop("WEB_PORT", None)
    identifies = emu.gateway.identifies
    with log.open("wb") as out:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, *command, cwd=path.parent, env=env, stdout=out, stderr=out
        )
        try:
            await emu.wait_for_gateway(identifies=identifies + 1, timeout=START_TIMEOUT)
            yield proc
        finally:
            await stop(proc)


async def stop(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is None:
        proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), 30)
        except TimeoutError:
            proc.kill()
            await proc.wait()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, all its threads (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def until_answered(
    emu: DiscordEmulator, member: Member, message: Message, custom_id: str
) -> None:
    """Click until the bot answers: it is connected and handles interactions (a warm-up)."""
    for _ in range(20):
        it = await emu.click(member, message, custom_id)
        with contextlib.suppress(Exception):
            if isinstance(await it.response(), Message):
                return
        await asyncio.sleep(0.25)
    raise RuntimeError(f"no answer to {custom_id} after 20 clicks")


async def settled_announcements(emu: DiscordEmulator, channel: Channel, expected: int) -> list[str]:
    """The announcements once ``expected`` are posted (or ``SETTLE_TIMEOUT``), and a second
    more, so that one posted twice is seen twice."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + SETTLE_TIMEOUT
    while len(announcements(emu, channel)) < expected and loop.time() < deadline:
        await asyncio.sleep(0.1)
    await asyncio.sleep(1.0)
    return announcements(emu, channel)


async def total_of(path: Path, petition_id: int) -> int:
    """The petition's count as Rally stored it (read after Rally's process stopped)."""
    db = Database(path)
    await db.open(migrate=False)
    try:
        return (await Services.build(db).petitions.get_by_id(petition_id)).total
    finally:
        await db.close()


# --- the surge ------------------------------------------------------------------------------


@dataclass
class Surge:
    """One surge's outcome: when it started and ended, each answered latency, what failed."""

    members: int
    seconds: float
    latencies: list[float]
    failed: int  # not answered within the emulator's deadline ("This interaction failed")
    cpu_seconds: float = math.nan  # the bot process's CPU time (all threads) during the surge

    @property
    def per_cpu_second(self) -> float:
        """Interactions per second of the bot's CPU: what one idle core would sustain."""
        return self.members / self.cpu_seconds if self.cpu_seconds > 0 else math.nan

    @property
    def throughput(self) -> float:
        return self.members / self.seconds if self.seconds > 0 else math.inf

    def percentile_ms(self, q: float) -> float:
        """Nearest-rank percentile of the answered latencies, in milliseconds."""
        ordered = sorted(self.latencies)
        if not ordered:
            return math.nan
        rank = max(1, math.ceil(q / 100 * len(ordered)))
        return ordered[rank - 1] * 1000

    @property
    def past_discord_deadline(self) -> int:
        return self.failed + sum(1 for s in self.latencies if s > DISCORD_DEADLINE)


def _time_callback(it: Interaction, answered: dict[int, float]) -> None:
    """Record when the bot's initial response reaches the emulator (its callback route).

    ``emu.click`` returns before the loop runs again, so nothing can have answered yet.
    """
    callback = it.callback
    loop = asyncio.get_running_loop()

    def timed(body: dict[str, Any], files: dict[int, Any]) -> dict[str, Any]:
        reply = callback(body, files)
        answered[it.id] = loop.time()
        return reply

    it.callback = timed  # type: ignore[method-assign]


async def surge(
    emu: DiscordEmulator,
    members: Sequence[Member],
    message: Message,
    custom_id: str,
    *,
    rate: float | None = None,
) -> Surge:
    """Every member clicks ``custom_id`` on ``message``: all at once (``rate`` None, the loop
    never yields between clicks) or open-loop at ``rate`` clicks a second; wait for every answer.
    """
    answered: dict[int, float] = {}
    loop = asyncio.get_running_loop()
    # This process is the emulator (Discord's stand-in): a full garbage-collector pass in it
    # stalled dispatching for ~0.1 s at random moments, billed to whichever bot was measured.
    gc.disable()
    try:
        start = loop.time()
        clicks: list[Interaction] = []
        for i, member in enumerate(members):
            if rate is not None and (delay := start + i / rate - loop.time()) > 0:
                await asyncio.sleep(delay)
            it = await emu.click(member, message, custom_id)
            _time_callback(it, answered)
            clicks.append(it)

        async def settled(it: Interaction) -> None:
            await it.wait_until(lambda: it.response_type is not None or it.failed)

        await asyncio.gather(*(settled(it) for it in clicks))
    finally:
        gc.enable()
    latencies = [answered[it.id] - it.created for it in clicks if it.id in answered]
    end = max(answered.values(), default=loop.time())
    return Surge(len(clicks), end - start, latencies, sum(1 for it in clicks if it.failed))


# --- one size: set up, floor, Rally ---------------------------------------------------------


@dataclass
class Result:
    members: int
    rate: float | None
    deadline: float
    floor: Surge
    rally: Surge
    final_count: int
    milestones_posted: list[str]
    milestones_expected: list[str]


def announcements(emu: DiscordEmulator, channel: Channel) -> list[str]:
    return [
        str(m.embeds[0].get("title", ""))
        for m in emu.messages(channel.id)
        if m.embeds and "🎉" in str(m.embeds[0].get("title", ""))
    ]


async def _answered(it: Interaction) -> Message:
    reply = await it.response()
    if not isinstance(reply, Message):
        raise RuntimeError(f"{it!r} was not answered with a message: {reply!r}")
    return reply


async def shown_at(bot: RallyBot, petition_id: int) -> list[ShownAt]:
    """The messages Rally keeps up to date with the petition's count."""
    _, shown = await bot.services.petitions.messages_of(petition_id)
    return shown


async def prepare(
    emu: DiscordEmulator, path: Path, guild: Guild, organizer: Member, channel: Channel
) -> Prepared:
    """With Rally: an announcement channel, the petition and its message with the Sign button,
    and a second petition for the warm-up clicks."""
    news = emu.create_channel(guild, "news")
    async with running_rally(emu, path) as bot:
        await _answered(
            await emu.run_command(
                organizer, channel, "setup configure", {"announcement_channel": news}
            )
        )
        measured = await _create(emu, bot, organizer, channel, "Keep the library open")
        other = await _create(emu, bot, organizer, channel, "Warm-up petition")
        page = await _show(emu, bot, organizer, channel, measured.code, measured.id)
        warm_page = await _show(emu, bot, organizer, channel, other.code, other.id)
    return Prepared(measured.code, measured.id, page, news, warm_page, other.id)


async def _create(
    emu: DiscordEmulator, bot: RallyBot, organizer: Member, channel: Channel, title: str
) -> Petition:
    opened = await emu.run_command(organizer, channel, "petition create")
    await opened.response()
    if opened.modal is None:
        raise RuntimeError("/petition create did not open its modal")
    draft = {
        "title": title,
        "recipient": "the City Council",
        "letter": "Dear Council,\n\nPlease keep the library open.",
        "link": "",
        "goal": str(PETITION_GOAL),
    }
    created = await _answered(await emu.submit_modal(organizer, opened, draft))
    found = CODE_IN_TEXT.search(created.content or "")
    if found is None:
        raise RuntimeError(f"no petition code in {created.content!r}")
    return await bot.services.petitions.get(organizer.guild_id, found.group(1))


@dataclass
class Prepared:
    code: str
    petition_id: int
    page: Message
    news: Channel
    warm_up_page: Message  # a second petition: the bots answer a few Sign clicks there first
    warm_up_id: int


async def _show(
    emu: DiscordEmulator,
    bot: RallyBot,
    organizer: Member,
    channel: Channel,
    code: str,
    petition_id: int,
) -> Message:
    shown = await emu.run_command(organizer, channel, "petition show", {"code": code})
    await shown.response()
    page = shown.original
    if page is None:
        raise RuntimeError("/petition show posted nothing")
    async with asyncio.timeout(10):  # /petition show remembers its message after answering
        while not any(m.message_id == page.id for m in await shown_at(bot, petition_id)):
            await asyncio.sleep(0.01)
    return page


async def warm_up(
    emu: DiscordEmulator, members: Sequence[Member], page: Message, custom_id: str
) -> None:
    """`WARM_UP_CLICKS` members, not among those measured, click Sign on the warm-up petition
    and are answered: a bot in a real surge has been running, its code paths warm; each
    measured member is still new to it (language, signer record)."""
    for member in members:
        it = await emu.click(member, page, custom_id)
        await it.response()


async def run_size(n: int, workdir: Path, *, rate: float | None = None) -> Result:
    """One surge of ``n`` members (burst, or paced at ``rate``/s): floor, then Rally."""
    deadline = MEASURING_DEADLINE
    emu = DiscordEmulator(interaction_deadline=deadline, validate_openapi=False)
    await emu.start()
    try:
        guild = emu.create_guild("Surge")
        channel = emu.create_channel(guild, "petitions")
        organizers = emu.create_role(guild, "Organizer", permissions=ADMINISTRATOR)
        organizer = emu.create_member(guild, "olga", roles=[organizers])
        # Accounts of long standing (a new account's signature is held for review instead).
        since = datetime.now(UTC) - timedelta(days=400)
        members = [
            emu.create_member(guild, f"m{i}", created_at=since + timedelta(milliseconds=i))
            for i in range(n)
        ]
        path = workdir / f"surge-{n}-{rate or 'burst'}.db"
        ready = await prepare(emu, path, guild, organizer, channel)
        petition_id, page, news = ready.petition_id, ready.page, ready.news
        custom_id = f"rally:sign:{petition_id}"
        warm_id = f"rally:sign:{ready.warm_up_id}"
        warmers = [
            emu.create_member(guild, f"w{i}", created_at=since) for i in range(WARM_UP_CLICKS)
        ]

        async with bot_process(emu, FLOOR, path, workdir / f"{path.stem}-floor.log") as proc:
            await until_answered(emu, organizer, page, custom_id)
            await warm_up(emu, warmers, ready.warm_up_page, warm_id)
            before = cpu_seconds(proc.pid)
            floor = await surge(emu, members, page, custom_id, rate=rate)
            floor.cpu_seconds = cpu_seconds(proc.pid) - before

        async with bot_process(emu, RALLY, path, workdir / f"{path.stem}-rally.log") as proc:
            await until_answered(emu, organizer, page, f"rally:letter:{petition_id}")
            await warm_up(emu, warmers, ready.warm_up_page, warm_id)
            before = cpu_seconds(proc.pid)
            rally = await surge(emu, members, page, custom_id, rate=rate)
            rally.cpu_seconds = cpu_seconds(proc.pid) - before
            expected = [f"🎉 {r:,} signatures!" for r in rungs_between(0, n, None)]
            posted = await settled_announcements(emu, news, len(expected))
        final = await total_of(path, petition_id)
        return Result(n, rate, deadline, floor, rally, final, posted, expected)
    finally:
        await emu.stop()


# --- rows -----------------------------------------------------------------------------------


def _ratio(value: float, floor: float) -> float | None:
    return round(value / floor, 3) if floor and math.isfinite(floor) else None


def rows_for(result: Result) -> list[Row]:
    n, floor, rally = result.members, result.floor, result.rally
    paced = result.rate is not None
    name = f"sign surge · {n:,} members" + (f" paced {result.rate:g}/s" if paced else "")
    rows: list[Row] = []
    if not paced:  # paced, throughput is the pace: only the latencies say anything
        ratio = _ratio(rally.throughput, floor.throughput)
        rows.append(
            {
                "name": name,
                "figure": "interactions/s",
                "value": round(rally.throughput, 1),
                "unit": "/s",
                "floor": round(floor.throughput, 1),
                "ratio": ratio,
                "goal": f"≥ {THROUGHPUT_GOAL:.0%} of floor",
                "ok": ratio is not None and ratio >= THROUGHPUT_GOAL,
            }
        )
    ratio = _ratio(rally.per_cpu_second, floor.per_cpu_second)
    rows.append(
        {
            "name": name,
            "figure": "interactions per CPU-second",
            "value": round(rally.per_cpu_second, 1),
            "unit": "/s",
            "floor": round(floor.per_cpu_second, 1),
            "ratio": ratio,
            "goal": "",
            "ok": None,
        }
    )
    for q in (50, 95, 99):
        value, base = rally.percentile_ms(q), floor.percentile_ms(q)
        goal = f"< {P99_GOAL_MS:.0f} ms" if q == 99 and n == P99_GOAL_AT else ""
        rows.append(
            {
                "name": name,
                "figure": f"p{q} dispatch → callback",
                "value": round(value, 1),
                "unit": "ms",
                "floor": round(base, 1),
                "ratio": _ratio(value, base),
                "goal": goal,
                "ok": (value < P99_GOAL_MS) if goal else None,
            }
        )
    rows += [
        {
            "name": name,
            "figure": "answers past 3 s",
            "value": rally.past_discord_deadline,
            "unit": "interactions",
            "floor": floor.past_discord_deadline,
            "ratio": None,
            "goal": "0",
            "ok": rally.past_discord_deadline == 0,
        },
        {
            "name": name,
            "figure": "final count",
            "value": result.final_count,
            "unit": "signatures",
            "floor": None,
            "ratio": None,
            "goal": f"exactly {n:,}",
            "ok": result.final_count == n,
        },
        {
            "name": name,
            "figure": "milestones posted",
            "value": len(result.milestones_posted),
            "unit": "announcements",
            "floor": None,
            "ratio": None,
            "goal": f"each of {len(result.milestones_expected)} once",
            "ok": result.milestones_posted == result.milestones_expected,
        },
    ]
    return rows


def sizes_for(scale: float) -> list[int]:
    return sorted({max(SMALLEST, round(n * scale)) for n in SIZES})


def representative(results: Sequence[Result]) -> Result:
    """The round to report: one that counted wrong or announced wrong if any did (that must
    show), else the round with the median throughput ratio. Every round's ratio is printed."""
    for result in results:
        wrong_count = result.final_count != result.members
        if wrong_count or result.milestones_posted != result.milestones_expected:
            return result
    ratios = [r.rally.throughput / r.floor.throughput for r in results]
    if len(results) > 1:
        shown = ", ".join(f"{x:.2f}" for x in ratios)
        print(f"surge {results[0].members:,}: throughput ratio by round {shown}; the median shown")
    ordered = sorted(range(len(results)), key=lambda i: ratios[i])
    return results[ordered[len(ordered) // 2]]


async def run(sizes: Sequence[int], paced: int | None, rounds: int = ROUNDS) -> list[Row]:
    """Bursts of each size (`rounds` rounds up to `ROUNDS_UP_TO` members), then (``paced``
    members) one surge paced at ``PACED_RATE``."""
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="rally-bench-surge-") as tmp:
        for n in sizes:
            results = []
            for i in range(rounds if n <= ROUNDS_UP_TO else 1):
                (workdir := Path(tmp) / f"{n}-{i}").mkdir()
                results.append(await run_size(n, workdir))
            rows += rows_for(representative(results))
        if paced is not None:
            rows += rows_for(await run_size(paced, Path(tmp), rate=PACED_RATE))
    return rows


class _Quiet(logging.Handler):
    """Counts log records instead of printing them: an interaction answered past its deadline
    makes Rally log a traceback, and thousands of them would bury the table. The rows count
    those interactions ("answers past 3 s")."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.records += 1


def main(scale: float = 1.0) -> list[Row]:
    """Benchmark 1 at ``scale`` (1.0: bursts of 100, 1,000 and 5,000 members, then 1,000
    members paced at 200/s): prints the table and returns one row per figure."""
    quiet = _Quiet()
    loggers = [logging.getLogger(name) for name in ("bot", "cogs", "discord")]
    saved = [(lg.propagate, lg.level) for lg in loggers]
    for lg in loggers:
        lg.addHandler(quiet)
        lg.propagate = False
        lg.setLevel(logging.WARNING)
    try:
        rows = _main(scale)
    finally:
        for lg, (propagate, level) in zip(loggers, saved, strict=True):
            lg.removeHandler(quiet)
            lg.propagate = propagate
            lg.setLevel(level)
    print_rows(rows)
    return rows


def _main(scale: float) -> list[Row]:
    paced = max(SMALLEST, round(P99_GOAL_AT * scale))
    rounds = ROUNDS if scale >= SMOKE_BELOW else 2  # a smoke run: still more than one round
    return asyncio.run(run(sizes_for(scale), paced, rounds))


def print_rows(rows: Sequence[Row]) -> None:
    """A plain table, for running this benchmark alone."""
    columns = ("name", "figure", "value", "unit", "floor", "ratio", "goal", "ok")
    cells = [[("" if r[c] is None else str(r[c])) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)))
    for row in cells:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0)
