"""Every slash command, every option, every modal a command opens, fuzzed through the real bot and
the emulator: Unicode edge cases (zero-width, right-to-left, combining marks, emoji), text up to
10,000 characters (cut to what the client allows), mentions and markdown, SQL-looking text,
control characters, odd numbers, members, roles, channels and junk files.

For each command: the emulator accepts every reply (it answers 400 to anything past Discord's
limits), nothing ends in an apology or an unexpected error, and when Rally refuses the input (a
member-safe reason, counted in `rally_refusals`) the database is exactly as it was. The commands
are read from the schema Rally synced, so a new command is fuzzed without touching this file; the
meta-test fails if an option type has no strategy or a cog has no command here."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.client import RallyBot
from bot.sandbox.emulator import CommandError, DiscordEmulator, Interaction
from bot.sandbox.emulator.interactions import Deferred
from tests.db.signers_support import snapshot
from tests.e2e.conftest import World
from tests.e2e.fuzz_inputs import (
    MODAL_FIELDS_MAX,
    TEXT,
    Command,
    NoStrategy,
    commands_of,
    fill_field,
    modal_inputs,
    strategy_for,
)
from tests.e2e.rally_harness import Act, text_of
from tests.e2e.test_signers_e2e import rally_with_keys
from tests.reliability_figures import record, sized

APOLOGY = "Sorry, something went wrong"
EXAMPLES = sized(2, 25)
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=False,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
COGS = sorted(
    p.stem for p in (Path(__file__).parents[2] / "cogs").glob("*.py") if p.stem != "__init__"
)


#: Tables Rally's background tasks update on their own schedule (a leaderboard post's message id,
#: a drive job fired, an announcement sent): compared by their rows' ids only, so a refused
#: command may not add or remove rows there, and a dispatcher may still mark one done meanwhile.
BACKGROUND = ("leaderboard_posts", "drive_jobs", "announcements")


async def state(bot: RallyBot) -> dict[str, list[Any]]:
    """Every row of every table (row ids only for the background tables)."""
    rows = await snapshot(bot.db)
    for table in BACKGROUND:
        rows[table] = sorted(row[0] for row in rows.get(table, []))
    return rows


def counter_total(bot: RallyBot, name: str) -> float:
    return sum(
        sample.value
        for metric in bot.metrics.registry.collect()
        if metric.name == name
        for sample in metric.samples
        if sample.name == f"{name}_total"
    )


async def settle(it: Interaction) -> str:
    """Wait for the interaction's answer; everything the member reads in it."""
    await it.wait_until(lambda: it.acknowledged or it.failed, timeout=10)
    assert not it.failed, f"{it!r} failed: Discord would show 'This interaction failed'"
    answer = await it.response()
    if isinstance(answer, Deferred) and answer.type == 5:
        await it.wait_original(timeout=30)
    return "\n".join(text_of(m) for m in [it.original, *it.followups] if m is not None)


class Fuzzer:
    def __init__(self, emu: DiscordEmulator, world: World, bot: RallyBot, codes: list[str]):
        self.emu, self.world, self.bot, self.codes = emu, world, bot, codes
        self.tried = 0  # option and field values sent
        self.refused = 0
        self.requests_seen = len(emu.requests)

    async def run(self, data: st.DataObject, command: Command) -> None:
        guild = self.world.guild
        member = data.draw(st.sampled_from([self.world.organizer, self.world.anna]), "member")
        options: dict[str, Any] = {}
        for schema in command.options:
            if schema.get("required") or data.draw(st.booleans(), schema["name"] + "?"):
                options[schema["name"]] = data.draw(
                    strategy_for(schema, guild, self.codes), f"{command.path} {schema['name']}"
                )
        for schema in command.options:  # autocomplete answers anything typed, within limits
            if schema.get("autocomplete"):
                typed = data.draw(strategy_for({**schema, "autocomplete": False}, guild, []))
                choices = await self.emu.autocomplete(
                    member, self.world.channel, command.path, option=schema["name"], value=typed
                )
                assert len(choices) <= 25
                self.tried += 1
        # drawn whether or not a modal opens: what opens depends on the database, which
        # Hypothesis does not replay, so every draw must be made every time
        typed = data.draw(st.lists(TEXT, min_size=MODAL_FIELDS_MAX, max_size=MODAL_FIELDS_MAX))
        await self.bot.announcer.drain()
        before = await state(self.bot)
        refusals = counter_total(self.bot, "rally_refusals")
        errors = counter_total(self.bot, "rally_errors")
        try:
            it = await self.emu.run_command(member, self.world.channel, command.path, options)
        except CommandError:
            return  # Discord's client would not send it (a value outside the option's rules)
        self.tried += len(options)
        shown = await settle(it)
        if it.modal is not None:
            fields = modal_inputs(it.modal)
            assert len(fields) <= MODAL_FIELDS_MAX
            values = {
                f["custom_id"]: fill_field(f, text) for f, text in zip(fields, typed, strict=False)
            }
            self.tried += len(values)
            submitted = await self.emu.submit_modal(member, it, values)
            shown = await settle(submitted)
        assert APOLOGY not in shown, f"/{command.path} {options}: {shown}"
        assert counter_total(self.bot, "rally_errors") == errors, f"/{command.path} {options}"
        rejected = [r for r in self.emu.requests[self.requests_seen :] if r[2] == 400]
        assert not rejected, f"/{command.path}: Discord refused {rejected}"
        self.requests_seen = len(self.emu.requests)
        if counter_total(self.bot, "rally_refusals") > refusals:
            self.refused += 1
            await self.bot.announcer.drain()
            assert await state(self.bot) == before, f"/{command.path} {options} refused"


@pytest.fixture
async def fuzzer(emulator: DiscordEmulator, world: World, tmp_path: Path) -> Any:
    async with rally_with_keys(emulator, tmp_path / "r.db") as bot:
        act = Act(emulator, world.channel)
        codes = [
            await act.create_petition(world.organizer, title=f"Petition {n}") for n in range(2)
        ]
        fuzz = Fuzzer(emulator, world, bot, codes)
        yield fuzz
        record("fuzz: every command option and modal field", bad_inputs=fuzz.tried)


async def test_every_option_type_has_a_strategy_and_every_cog_is_fuzzed(
    emulator: DiscordEmulator, world: World, fuzzer: Fuzzer
) -> None:
    commands = commands_of(emulator, world.guild)
    for command in commands:
        for schema in command.options:
            try:
                strategy_for(schema, world.guild, fuzzer.codes)
            except NoStrategy as exc:
                pytest.fail(f"/{command.path}: {exc}")
    modules = {
        cmd.module.removeprefix("cogs.")
        for cmd in fuzzer.bot.tree.walk_commands()
        if cmd.module is not None
    }
    assert set(COGS) <= modules, f"cogs without a command in the tree: {set(COGS) - modules}"
    assert len(commands) >= 40
    with pytest.raises(NoStrategy):
        strategy_for({"name": "x", "type": 99}, world.guild, [])


def commands_of_cog(emu: DiscordEmulator, world: World, bot: RallyBot, cog: str) -> list[Command]:
    """The synced commands whose callbacks live in cogs/<cog>.py."""
    mine = {c.qualified_name for c in bot.tree.walk_commands() if c.module == f"cogs.{cog}"}
    return [c for c in commands_of(emu, world.guild) if c.path in mine]


@pytest.mark.parametrize("cog", COGS)
@FUZZ
@given(data=st.data())
async def test_every_command_answers_fuzzed_input_within_limits_and_refusals_change_nothing(
    emulator: DiscordEmulator, world: World, fuzzer: Fuzzer, cog: str, data: st.DataObject
) -> None:
    commands = commands_of_cog(emulator, world, fuzzer.bot, cog)
    assert commands, f"cogs/{cog}.py has no slash command"
    for command in commands:
        await fuzzer.run(data, command)
