"""`/leaderboard teams petition:` end to end: three emulated servers share a petition; an
organizer of a partner sees the servers ranked (small ones folded into "other"), only for them,
with the image toggle; members get a friendly refusal; the plain teams board is unchanged."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from bot.client import RallyBot
from bot.domain.actors import Actor
from bot.sandbox.emulator import DiscordEmulator, Member
from tests.e2e.conftest import World
from tests.e2e.rally_harness import Act, running_rally, text_of
from tests.e2e.test_coalitions_e2e import JOIN, partner, snapshot
from tests.e2e.test_leaderboards_e2e import button, start_drive

TITLE = "🏆 Servers of Designate Belarus for TPS"


async def sign(bot: RallyBot, code: str, members: list[Member]) -> None:
    for m in members:
        who = Actor(user_id=m.user.id, guild_id=m.guild_id, display_name=m.user.username)
        await bot.services.petitions.sign_by_code(who, code)


async def test_servers_board_for_organizers_refusals_and_the_plain_board(
    emulator: DiscordEmulator, world: World, tmp_path: Path
) -> None:
    path = tmp_path / "r.db"
    owner = Act(emulator, world.channel)
    vilnius, warsaw = partner(emulator, "Vilnius"), partner(emulator, "Warsaw")
    riga = partner(emulator, "Riga")  # Rally runs there, but it follows nothing
    v_member = emulator.create_member(vilnius.guild, "vmember")
    async with running_rally(emulator, path) as bot:
        code = await start_drive(owner, world)
        opened = await owner.run(world.organizer, "petition join-code", {"code": code})
        join = JOIN.search(text_of(opened.original))
        assert join
        for server in (vilnius, warsaw):
            await server.act.run(
                server.organizer, "petition follow", {"code": code, "join-code": join.group(1)}
            )
        extra = [emulator.create_member(world.guild, "carl")]
        await sign(bot, code, [world.anna, world.ben, *extra])
        v_others = [emulator.create_member(vilnius.guild, f"v{n}") for n in range(3)]
        await sign(bot, code, [v_member, *v_others])
        await sign(bot, code, [emulator.create_member(warsaw.guild, "w0")])

        # The plain teams board is as before: the drive's teams, posted for everyone.
        plain = await owner.run(world.anna, "leaderboard teams", {})
        assert not plain.ephemeral
        assert "🏆 Teams of Winter push" in text_of(plain.original)
        assert "Servers of" not in text_of(plain.original)

        # A partner's organizer finds the followed petition in the option's autocomplete.
        offered = await emulator.autocomplete(
            vilnius.organizer, vilnius.channel, "leaderboard teams", option="petition"
        )
        assert [c["value"] for c in offered] == [code]

        # Vilnius's organizer: servers by signatures, only for them; Warsaw (1) folds.
        asked = await vilnius.act.run(vilnius.organizer, "leaderboard teams", {"petition": code})
        board = asked.original
        assert asked.ephemeral and board is not None
        text = text_of(board)
        assert TITLE in text, text
        assert "**1.** Vilnius — 4 signatures" in text, text
        assert "**2.** Demo (owner) — 3 signatures" in text, text
        assert "· Other servers — 1 signature" in text, text
        assert "Warsaw" not in text and "anna" not in text.lower() and "vmember" not in text
        assert "Total 8." in text and "fewer than 3 signatures" in text, text

        # The chart toggle works like on the other boards.
        imaged = await vilnius.act.click(vilnius.organizer, board, button(board, "Show as image"))
        with_image = imaged.original
        assert with_image is not None
        (png,) = with_image.attachments
        assert Image.open(io.BytesIO(png.content)).size == (1200, 675)
        back = await vilnius.act.click(
            vilnius.organizer, with_image, button(with_image, "Show as text")
        )
        assert back.original is not None and not back.original.attachments

        # The owner's organizer sees the same board (its own minimum).
        mine = await owner.run(world.organizer, "leaderboard teams", {"petition": code.lower()})
        assert mine.ephemeral and "**1.** Vilnius — 4 signatures" in text_of(mine.original)

        # Refusals: friendly, ephemeral, nothing changed.
        await warsaw.act.run(warsaw.organizer, "petition unfollow", {"code": code})
        cases: list[tuple[str, Act, Member, dict[str, str]]] = [
            ("Only organizers can do that", vilnius.act, v_member, {"petition": code}),
            ("Only organizers can do that", owner, world.anna, {"petition": code}),
            ("no petition with the code", riga.act, riga.organizer, {"petition": code}),
            ("no petition with the code", owner, world.organizer, {"petition": "ZZZZZZ"}),
            ("no longer shared with this server", warsaw.act, warsaw.organizer, {"petition": code}),
            (
                "Choose a petition or a drive, not both.",
                owner,
                world.organizer,
                {"petition": code, "drive": "Winter push"},
            ),
        ]
        for expected, act, who, options in cases:
            before = await snapshot(path)
            it = await act.run(who, "leaderboard teams", options)
            assert it.ephemeral, options
            assert expected in text_of(it.original), (options, text_of(it.original))
            assert "error id" not in text_of(it.original).lower()
            assert await snapshot(path) == before, options
