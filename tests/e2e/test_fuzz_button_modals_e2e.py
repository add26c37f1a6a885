"""The modals that open from a button rather than a command (the command fuzzer covers those):
`/admin purge`'s "type the server's name" and `/me link`'s "enter the code", fuzzed through the
real bot and the emulator. Refused input deletes nothing and links nothing; a wrong code only
uses up one of the five tries, as it must."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import AsyncIterator
from pathlib import Path

import discord
import pytest
from hypothesis import given
from hypothesis import strategies as st

import bot.ui
import cogs
from bot.client import RallyBot
from bot.sandbox.emulator import DiscordEmulator, Message
from tests.db.signers_support import SmtpServer, smtp, snapshot
from tests.e2e.conftest import World
from tests.e2e.fuzz_inputs import TEXT, fill_field, modal_inputs
from tests.e2e.rally_harness import Act, buttons, text_of
from tests.e2e.test_fuzz_commands_e2e import APOLOGY, FUZZ, counter_total, settle
from tests.e2e.test_signers_e2e import rally_with_keys, smtp_settings
from tests.reliability_figures import record

__all__ = ["smtp"]


@pytest.fixture
async def rally(
    emulator: DiscordEmulator, world: World, tmp_path: Path, smtp: SmtpServer
) -> AsyncIterator[RallyBot]:
    async with rally_with_keys(emulator, tmp_path / "r.db", **smtp_settings(smtp)) as bot:
        act = Act(emulator, world.channel)
        code = await act.create_petition(world.organizer)
        await act.run(world.ben, "petition sign", {"code": code})
        yield bot


async def fuzz_modal(
    emu: DiscordEmulator, world: World, bot: RallyBot, message: Message, label: str, text: str
) -> str:
    """Click the button labelled `label` on `message`, type `text` into its modal; the answer."""
    act = Act(emu, world.channel)
    custom_id = next(k for k, v in buttons(message).items() if v == label)
    opened = await act.click(world.organizer, message, custom_id)
    assert opened.modal is not None
    errors = counter_total(bot, "rally_errors")
    values = {f["custom_id"]: fill_field(f, text) for f in modal_inputs(opened.modal)}
    shown = await settle(await emu.submit_modal(world.organizer, opened, values))
    assert APOLOGY not in shown and counter_total(bot, "rally_errors") == errors
    record("fuzz: modals behind buttons", bad_inputs=len(values))
    return shown


@FUZZ
@given(typed=TEXT)
async def test_fuzzed_server_names_delete_nothing(
    emulator: DiscordEmulator, world: World, rally: RallyBot, typed: str
) -> None:
    act = Act(emulator, world.channel)
    asked = await act.run(world.organizer, "admin purge")
    assert asked.original is not None
    before = await snapshot(rally.db)
    shown = await fuzz_modal(emulator, world, rally, asked.original, "Delete all Rally data", typed)
    if typed.strip() != world.guild.name:
        assert "nothing was deleted" in shown
        assert await snapshot(rally.db) == before


@pytest.fixture
def pending() -> dict[str, Message]:
    """The message with the "Enter the code" button, kept across examples (codes are rationed)."""
    return {}


@FUZZ
@given(typed=st.one_of(TEXT, st.from_regex(r"\A[0-9]{6,8}\Z")))
async def test_fuzzed_link_codes_link_nothing_and_only_use_up_tries(
    emulator: DiscordEmulator,
    world: World,
    rally: RallyBot,
    smtp: SmtpServer,
    pending: dict[str, Message],
    typed: str,
) -> None:
    before = await snapshot(rally.db)
    if not before["link_codes"]:  # none yet, or the last one ran out of tries: ask again
        act = Act(emulator, world.channel)
        opened = await act.run(world.organizer, "me link")
        assert opened.modal is not None
        sent = await emulator.submit_modal(world.organizer, opened, {"email": "olga@example.org"})
        asked = await sent.wait_followup()
        if "emailed a 6-digit code" not in asked.content:  # codes asked for too often
            assert "Try again in" in text_of(asked)
            return
        pending["message"] = asked
        before = await snapshot(rally.db)
    if typed == smtp.inbox.last_code():
        return  # the right code, by chance: not a bad input
    shown = await fuzz_modal(emulator, world, rally, pending["message"], "Enter the code", typed)
    assert "Linked" not in shown
    after = await snapshot(rally.db)
    (code_before,), code_after = before.pop("link_codes"), after.pop("link_codes")
    assert after == before  # nothing linked, nobody's record touched
    tries = 5  # link_codes.tries_left
    assert not code_after or code_after[0][tries] in (code_before[tries], code_before[tries] - 1)


#: Every modal class Rally has, and where the fuzzers open it.
FUZZED_MODALS = {
    "PetitionModal": "/petition create and /petition edit (test_fuzz_commands_e2e)",
    "DetailsModal": "/petition sign and /me edit (test_fuzz_commands_e2e)",
    "TextModal": "/me link (test_fuzz_commands_e2e) and its Enter-the-code button (here)",
    "PurgeModal": "/admin purge's button (here)",
}


def test_every_modal_class_is_fuzzed_somewhere() -> None:
    for package in (bot.ui, cogs):
        for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            importlib.import_module(info.name)
    found, pending = set(), list(discord.ui.Modal.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.startswith(("bot.", "cogs.")):
            found.add(cls.__name__)
    assert found, "no modal classes found"
    missing = found - set(FUZZED_MODALS)
    assert not missing, f"modals no fuzzer opens (add them to a fuzz test): {sorted(missing)}"
