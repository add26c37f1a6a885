"""Server setup, autocomplete, editing through the modal, and deleting only after Confirm."""

from __future__ import annotations

from pathlib import Path

from bot.sandbox.emulator import DiscordEmulator
from tests.e2e.conftest import World
from tests.e2e.rally_harness import Act, buttons, running_rally, text_of
from tests.e2e.test_petitions_e2e import counts


async def test_setup_validates_the_time_zone_and_shows_the_settings(
    emulator: DiscordEmulator, world: World, tmp_path: Path
) -> None:
    async with running_rally(emulator, tmp_path / "r.db") as bot:
        act = Act(emulator, world.channel)
        bad = await act.run(world.organizer, "setup configure", {"timezone": "Mars/Olympus"})
        assert bad.ephemeral and "is not a time zone Rally knows" in text_of(bad.original)
        assert (await bot.services.guilds.settings(world.guild.id)).timezone == "UTC"
        suggestions = await emulator.autocomplete(
            world.organizer, world.channel, "setup configure", option="timezone", value="vilni"
        )
        assert [c["value"] for c in suggestions] == ["Europe/Vilnius"]
        ok = await act.run(
            world.organizer,
            "setup configure",
            {"timezone": "Europe/Vilnius", "language": "be", "organizer_role": world.organizers},
        )
        assert "Europe/Vilnius" in text_of(ok.original)
        shown = await act.run(world.anna, "setup show")
        assert shown.ephemeral and "Беларуская" in text_of(shown.original)
        invite = await act.run(
            world.organizer, "setup configure", {"invite": "http://evil.example"}
        )
        assert "https://discord.gg/" in text_of(invite.original)
        assert (await bot.services.guilds.settings(world.guild.id)).invite_url is None


async def test_code_options_autocomplete_this_servers_petitions(
    emulator: DiscordEmulator, world: World, tmp_path: Path
) -> None:
    other_guild = emulator.create_guild("Elsewhere")
    other_channel = emulator.create_channel(other_guild, "general")
    stranger = emulator.create_member(other_guild, "stranger")
    async with running_rally(emulator, tmp_path / "r.db"):
        act = Act(emulator, world.channel)
        tps = await act.create_petition(world.organizer, title="Temporary Protected Status")
        await act.create_petition(world.organizer, title="Free political prisoners")
        by_title = await emulator.autocomplete(
            world.anna, world.channel, "petition sign", option="code", value="protected"
        )
        assert [c["value"] for c in by_title] == [tps]
        assert by_title[0]["name"] == f"{tps} — Temporary Protected Status"
        by_code = await emulator.autocomplete(
            world.anna, world.channel, "petition show", option="code", value=tps[:3].lower()
        )
        assert tps in [c["value"] for c in by_code]
        elsewhere = await emulator.autocomplete(
            stranger, other_channel, "petition show", option="code", value=""
        )
        assert elsewhere == []


async def test_edit_through_the_modal_and_delete_only_after_confirm(
    emulator: DiscordEmulator, world: World, tmp_path: Path
) -> None:
    path = tmp_path / "r.db"
    async with running_rally(emulator, path) as bot:
        act = Act(emulator, world.channel)
        code = await act.create_petition(world.organizer, title="Old title")
        opened = await act.run(world.organizer, "petition edit", {"code": code})
        assert opened.modal is not None
        fields = {
            c["custom_id"]: c.get("value")
            for row in opened.modal["components"]
            for c in row.get("components", [row.get("component", {})])
        }
        assert fields["title"] == "Old title"  # prefilled
        saved = await emulator.submit_modal(
            world.organizer,
            opened,
            {"title": "New title", "recipient": "the Senate", "letter": "Dear Senate", "link": "",
             "goal": "2500"},
        )  # fmt: skip
        assert "New title" in text_of(await saved.response())
        petition = await bot.services.petitions.get(world.guild.id, code)
        assert (petition.title, petition.recipient, petition.goal) == (
            "New title",
            "the Senate",
            2500,
        )

        asked = await act.run(world.organizer, "petition delete", {"code": code})
        assert asked.original is not None
        cancel = next(k for k, v in buttons(asked.original).items() if v == "Cancel")
        before = await counts(path)
        stranger = await act.click(world.anna, asked.original, cancel)
        assert "Only the member who asked" in text_of(stranger.original)
        cancelled = await act.click(world.organizer, asked.original, cancel)
        assert "nothing was changed" in text_of(cancelled.original)
        assert await counts(path) == before
        assert (await bot.services.petitions.get(world.guild.id, code)).title == "New title"
