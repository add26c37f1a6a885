"""The dispatcher drops an announcement queued for a partner that was removed before it went
out; the owner's and the remaining partner's announcements still post."""

from __future__ import annotations

from pathlib import Path

from bot.db import Database
from bot.sandbox.emulator import DiscordEmulator
from tests.e2e.conftest import World
from tests.e2e.rally_harness import Act, running_rally, text_of
from tests.e2e.test_coalitions_e2e import JOIN, partner, titles


async def statuses(path: Path) -> dict[int, tuple[str, str | None]]:
    db = Database(path)
    await db.open()
    try:
        async with db.read() as conn:
            rows = await conn.fetchall(
                "SELECT guild_id, status, last_error FROM announcements WHERE kind = 'milestone'"
            )
    finally:
        await db.close()
    return {int(r[0]): (str(r[1]), r[2]) for r in rows}


async def test_a_removed_partners_queued_announcement_is_dropped(
    emulator: DiscordEmulator, world: World, tmp_path: Path
) -> None:
    path = tmp_path / "r.db"
    owner_news = emulator.create_channel(world.guild, "news")
    owner = Act(emulator, world.channel)
    vilnius, warsaw = partner(emulator, "Vilnius"), partner(emulator, "Warsaw")
    async with running_rally(emulator, path) as bot:
        await owner.run(world.organizer, "setup configure", {"announcement_channel": owner_news})
        code = await owner.create_petition(world.organizer, goal="1000")
        await owner.run(world.organizer, "milestones setup", {"petition": code, "ladder": "3"})
        opened = await owner.run(world.organizer, "petition join-code", {"code": code})
        match = JOIN.search(text_of(opened.original))
        assert match, text_of(opened.original)
        for server in (vilnius, warsaw):
            await server.act.run(server.organizer, "milestones setup", {"channel": server.news})
            followed = await server.act.run(
                server.organizer, "petition follow", {"code": code, "join-code": match.group(1)}
            )
            assert "now follows" in text_of(followed.original), text_of(followed.original)

        # The dispatcher is held while the rung is crossed and Warsaw is removed.
        async with bot.announcer.lock:
            for n in range(3):
                signer = emulator.create_member(world.guild, f"s{n}")
                signed = await owner.run(signer, "petition sign", {"code": code})
                assert "signer #" in text_of(signed.original), text_of(signed.original)
            removed = await owner.run(
                world.organizer,
                "petition remove-partner",
                {"code": code, "server": str(warsaw.guild.id)},
            )
            assert "no longer a partner" in text_of(removed.original)
        await bot.announcer.drain()

        assert titles(emulator, owner_news) == ["🎉 3 signatures!"]
        assert titles(emulator, vilnius.news) == ["🎉 3 signatures!"]
        assert titles(emulator, warsaw.news) == []

        # Vilnius's organizers find the followed petition in /milestones history: what Vilnius
        # announced, with its link.
        offered = await emulator.autocomplete(
            vilnius.organizer, vilnius.channel, "milestones history", option="petition"
        )
        assert [c["value"] for c in offered] == [code]
        history = await vilnius.act.run(vilnius.organizer, "milestones history", {"petition": code})
        shown = text_of(history.original)
        assert history.ephemeral and f"/channels/{vilnius.guild.id}/{vilnius.news.id}/" in shown
        assert "3 signatures" in shown, shown
    assert await statuses(path) == {
        world.guild.id: ("sent", None),
        vilnius.guild.id: ("sent", None),
        warsaw.guild.id: ("failed", "not shared"),
    }
