"""Every bad input gets a clear, ephemeral answer and changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.sandbox.emulator import DiscordEmulator
from tests.e2e.conftest import World
from tests.e2e.rally_harness import Act, buttons, running_rally, text_of
from tests.e2e.test_petitions_e2e import counts


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": "   "}, "The title cannot be empty."),
        ({"title": "\u200b\u200d"}, "The title cannot be empty."),
        ({"recipient": " \t"}, "The recipient cannot be empty."),
        ({"letter": "\n\n\n"}, "The letter cannot be empty."),
        ({"link": "javascript:alert(1)"}, "The link must be a web address"),
        ({"goal": "a thousand"}, "The goal must be a whole number from 1 to"),
        ({"goal": "0"}, "The goal must be a whole number from 1 to"),
    ],
)
async def test_bad_modal_fields_create_nothing(
    emulator: DiscordEmulator, world: World, tmp_path: Path, fields: dict[str, str], message: str
) -> None:
    path = tmp_path / "r.db"
    async with running_rally(emulator, path):
        act = Act(emulator, world.channel)
        opened = await act.run(world.organizer, "petition create")
        values = {"title": "T", "recipient": "R", "letter": "L", "link": "", "goal": "", **fields}
        submitted = await emulator.submit_modal(world.organizer, opened, values)
        reply = await submitted.response()
        assert submitted.ephemeral and message in text_of(reply)
    assert (await counts(path))["petitions"] == 0


async def test_unknown_code_and_not_a_code(
    emulator: DiscordEmulator, world: World, tmp_path: Path
) -> None:
    async with running_rally(emulator, tmp_path / "r.db"):
        act = Act(emulator, world.channel)
        for raw, shown in [("ZZZZZZ", "ZZZZZZ"), ("drop table;", "drop table;")]:
            for command in ("petition show", "petition sign", "petition withdraw"):
                it = await act.run(world.anna, command, {"code": raw})
                assert it.ephemeral
                assert f"There is no petition with the code {shown} in this server." in text_of(
                    it.original
                )


async def test_members_cannot_use_organizer_commands(
    emulator: DiscordEmulator, world: World, tmp_path: Path
) -> None:
    path = tmp_path / "r.db"
    async with running_rally(emulator, path):
        act = Act(emulator, world.channel)
        code = await act.create_petition(world.organizer)
        before = await counts(path)
        refusal = "Only organizers can do that"
        created = await act.run(world.anna, "petition create")
        assert created.modal is None and refusal in text_of(created.original)
        for name, options in [
            ("petition close", {"code": code}),
            ("petition reopen", {"code": code}),
            ("petition delete", {"code": code}),
            ("petition edit", {"code": code}),
            ("petition count", {"code": code, "external": 5000}),
        ]:
            it = await act.run(world.anna, name, options)
            assert it.ephemeral and refusal in text_of(it.original), name
        setup = await act.run(world.anna, "setup configure", {"language": "ru"})
        assert setup.ephemeral and "Manage Server" in text_of(setup.original)
        assert await counts(path) == before


async def test_mentions_and_markdown_are_shown_never_pinging(
    emulator: DiscordEmulator, world: World, tmp_path: Path
) -> None:
    title = f"@everyone <@&{world.organizers.id}> **Free** <@{world.anna.user.id}>"
    async with running_rally(emulator, tmp_path / "r.db"):
        act = Act(emulator, world.channel)
        code = await act.create_petition(world.organizer, title=title, letter="@here read this")
        shown = await act.run(world.ben, "petition show", {"code": code})
        page = shown.original
        assert page is not None
        assert page.embeds[0]["title"] == title
        assert not page.mention_everyone and page.mention_roles == [] and page.mentions == []
        signed = await act.click(world.ben, page, "rally:sign:1")
        assert signed.original is not None
        assert not signed.original.mention_everyone and signed.original.mention_roles == []


async def test_closed_and_deleted_petitions_buttons_and_editing(
    emulator: DiscordEmulator, world: World, tmp_path: Path
) -> None:
    path = tmp_path / "r.db"
    async with running_rally(emulator, path):
        act = Act(emulator, world.channel)
        code = await act.create_petition(world.organizer)
        page = (await act.run(world.organizer, "petition show", {"code": code})).original
        assert page is not None and "rally:manage:1" in buttons(page)
        await act.run(world.organizer, "petition close", {"code": code})
        closed = await act.click(world.anna, page, "rally:sign:1")
        assert "is closed and no longer takes signatures" in text_of(closed.original)
        panel = await act.click(world.organizer, page, "rally:manage:1")
        assert panel.original is not None
        member_panel = await act.click(world.anna, page, "rally:manage:1")
        assert "Only organizers can do that" in text_of(member_panel.original)
        asked = await act.run(world.organizer, "petition delete", {"code": code})
        assert asked.original is not None
        confirm = next(k for k, v in buttons(asked.original).items() if v == "Delete for good")
        await act.click(world.organizer, asked.original, confirm)
        before = await counts(path)
        edit_id = next(k for k, v in buttons(panel.original).items() if v == "Edit")
        edit = await act.click(world.organizer, panel.original, edit_id)
        assert edit.modal is None and "This petition no longer exists." in text_of(edit.original)
        assert await counts(path) == before


async def test_list_pages_only_for_the_invoker(
    emulator: DiscordEmulator, world: World, tmp_path: Path
) -> None:
    async with running_rally(emulator, tmp_path / "r.db"):
        act = Act(emulator, world.channel)
        for n in range(12):
            await act.create_petition(world.organizer, title=f"Petition number {n}")
        listed = await act.run(world.anna, "petition list")
        page = listed.original
        assert page is not None and "Page 1 of 2" in text_of(page)
        next_id = next(k for k, v in buttons(page).items() if v == "Next")
        stranger = await act.click(world.ben, page, next_id)
        assert stranger.ephemeral and "Only the member who asked" in text_of(stranger.original)
        turned = await act.click(world.anna, page, next_id)
        assert "Page 2 of 2" in text_of(turned.original)
