"""Coalitions end to end: three emulated servers, one petition. Partners follow with the join
code, members sign from each server (one person in two servers counts once), every server with
a channel announces each milestone once in its own language, a partner is removed, and the
counts per server stay right through a two-sided drop."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from bot.db import Database
from bot.sandbox.emulator import Channel, DiscordEmulator, Guild, Member
from bot.sandbox.emulator.state import ADMINISTRATOR
from tests.e2e.conftest import World
from tests.e2e.rally_harness import Act, buttons, running_rally, text_of

JOIN = re.compile(r"join-code:([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})")


@dataclass
class Server:
    guild: Guild
    channel: Channel
    news: Channel
    organizer: Member
    act: Act


def partner(emu: DiscordEmulator, name: str) -> Server:
    guild = emu.create_guild(name)
    channel = emu.create_channel(guild, "general")
    role = emu.create_role(guild, "Organizers", permissions=ADMINISTRATOR)
    return Server(
        guild,
        channel,
        emu.create_channel(guild, "news"),
        emu.create_member(guild, f"org-{name.lower()}", roles=[role]),
        Act(emu, channel),
    )


def titles(emu: DiscordEmulator, channel: Channel) -> list[str]:
    return [
        m.embeds[0]["title"]
        for m in emu.messages(channel.id)
        if m.embeds and "🎉" in m.embeds[0]["title"]
    ]


async def total_and_per_server(path: Path, code: str) -> tuple[int, dict[int, int]]:
    db = Database(path)
    await db.open()
    try:
        async with db.read() as conn:
            total = await conn.fetchval(
                "SELECT signature_count + external_count FROM petitions WHERE code = ?", (code,)
            )
            rows = await conn.fetchall(
                "SELECT s.guild_id, COUNT(*) FROM signatures s JOIN petitions p "
                "ON p.id = s.petition_id WHERE p.code = ? GROUP BY 1",
                (code,),
            )
    finally:
        await db.close()
    return int(total), {int(r[0]): int(r[1]) for r in rows}


async def test_three_servers_sign_count_once_announce_once_each_remove_and_drop(
    emulator: DiscordEmulator, world: World, tmp_path: Path
) -> None:
    path = tmp_path / "r.db"
    owner_news = emulator.create_channel(world.guild, "news")
    owner = Server(
        world.guild, world.channel, owner_news, world.organizer, Act(emulator, world.channel)
    )
    vilnius, warsaw = partner(emulator, "Vilnius"), partner(emulator, "Warsaw")
    # anna is one Discord account, a member of the owner's server and of Vilnius.
    anna_in_vilnius = emulator.join_guild(vilnius.guild, world.anna.user)
    signers = {
        "owner": [world.anna, world.ben],
        "vilnius": [emulator.create_member(vilnius.guild, f"v{n}") for n in range(2)],
        "warsaw": [emulator.create_member(warsaw.guild, f"w{n}") for n in range(2)],
    }
    async with running_rally(emulator, path) as bot:
        await owner.act.run(
            owner.organizer, "setup configure", {"announcement_channel": owner_news}
        )
        code = await owner.act.create_petition(owner.organizer, goal="1000")
        ladder = await owner.act.run(
            owner.organizer, "milestones setup", {"petition": code, "ladder": "3, 6"}
        )
        assert "Saved." in text_of(ladder.original)
        opened = await owner.act.run(owner.organizer, "petition join-code", {"code": code})
        assert opened.ephemeral
        match = JOIN.search(text_of(opened.original))
        assert match, text_of(opened.original)
        join = match.group(1)

        # Vilnius speaks Ukrainian with its own announcement channel; Warsaw Russian, with a
        # milestones channel only.
        await vilnius.act.run(
            vilnius.organizer,
            "setup configure",
            {"language": "uk", "announcement_channel": vilnius.news},
        )
        await warsaw.act.run(warsaw.organizer, "setup configure", {"language": "ru"})
        await warsaw.act.run(warsaw.organizer, "milestones setup", {"channel": warsaw.news})
        for server in (vilnius, warsaw):
            followed = await server.act.run(
                server.organizer,
                "petition follow",
                {"code": code.lower(), "join-code": join.lower()},
            )
            assert followed.ephemeral and "now follows" in text_of(followed.original), text_of(
                followed.original
            )

        # A partner's /petition list includes what it follows, marked (in the member's
        # language); the owner's list does not mark its own petition.
        listed = text_of((await warsaw.act.run(signers["warsaw"][0], "petition list")).original)
        assert f"`{code}` **" in listed and "(shared by another server)" in listed, listed
        listed = text_of((await owner.act.run(world.ben, "petition list")).original)
        assert f"`{code}`" in listed and "(shared by another server)" not in listed, listed

        # Members of a partner find the petition in the code autocomplete of what they may do;
        # organizer commands of the partner do not offer it (they belong to the owner).
        offered = await emulator.autocomplete(
            signers["vilnius"][0], vilnius.channel, "petition sign", option="code"
        )
        assert [c["value"] for c in offered] == [code]
        offered = await emulator.autocomplete(
            vilnius.organizer, vilnius.channel, "petition close", option="code"
        )
        assert offered == []

        # Owner's members sign by command; Vilnius's through a message shown there; Warsaw's
        # by command.
        for m in signers["owner"]:
            signed = await owner.act.run(m, "petition sign", {"code": code})
            assert "signer #" in text_of(signed.original), text_of(signed.original)
        shown = await vilnius.act.run(vilnius.organizer, "petition show", {"code": code})
        page = shown.original
        assert page is not None and not shown.ephemeral
        sign_id = next(c for c in buttons(page) if c.startswith("rally:sign:"))
        assert not any("delete" in c or "edit" in c for c in buttons(page)), buttons(page)
        twice = await vilnius.act.click(anna_in_vilnius, page, sign_id)
        assert twice.ephemeral and "You already signed" in text_of(twice.original)
        for m in signers["vilnius"]:
            clicked = await vilnius.act.click(m, page, sign_id)
            assert clicked.ephemeral and "signer #" in text_of(clicked.original)
        for m in signers["warsaw"]:
            signed = await warsaw.act.run(m, "petition sign", {"code": code})
            assert "signer #" in text_of(signed.original), text_of(signed.original)

        total, per_server = await total_and_per_server(path, code)
        assert total == 6
        assert per_server == {owner.guild.id: 2, vilnius.guild.id: 2, warsaw.guild.id: 2}

        # Each server with a channel announces each rung once, in its own language.
        await bot.announcer.drain()
        await bot.announcer.drain()
        assert titles(emulator, owner_news) == ["🎉 3 signatures!", "🎉 6 signatures!"]
        assert titles(emulator, vilnius.news) == ["🎉 3 підписи!", "🎉 6 підписів!"]
        assert titles(emulator, warsaw.news) == ["🎉 3 подписи!", "🎉 6 подписей!"]
        # The message shown in Vilnius stays fresh: the shared total, in place.
        await bot.live.flush()
        fresh = text_of(emulator.messages(vilnius.channel.id)[0])
        assert "**6 " in fresh and "**2 " not in fresh, fresh

        # Organizers see counts per server, never names (small servers fold unless allowed).
        folded = await warsaw.act.run(warsaw.organizer, "petition partners", {"code": code})
        assert folded.ephemeral and "Other servers — 6" in text_of(folded.original)
        await owner.act.run(owner.organizer, "leaderboard settings", {"smallest_team": 1})
        board = await owner.act.run(owner.organizer, "petition partners", {"code": code})
        text = text_of(board.original)
        assert board.ephemeral
        for line in ("1. **Demo (owner)** — 2", "1. Vilnius — 2", "1. Warsaw — 2"):
            assert line in text, text
        assert "anna" not in text.lower() and "v0" not in text

        # The owner removes Warsaw: its signatures stay counted, its members can no longer sign.
        removed = await owner.act.run(
            owner.organizer,
            "petition remove-partner",
            {"code": code, "server": str(warsaw.guild.id)},
        )
        assert removed.ephemeral and "Warsaw is no longer a partner" in text_of(removed.original)
        late = emulator.create_member(warsaw.guild, "late")
        refused = await warsaw.act.run(late, "petition sign", {"code": code})
        assert refused.ephemeral and "no petition with the code" in text_of(refused.original)
        assert (await total_and_per_server(path, code))[0] == 6
        board = await owner.act.run(owner.organizer, "petition partners", {"code": code})
        assert "Warsaw (removed) — 2" in text_of(board.original)

        # Dropping Warsaw's signatures takes both sides.
        asked = await owner.act.run(
            owner.organizer, "petition drop-partner", {"code": code, "server": str(warsaw.guild.id)}
        )
        assert asked.ephemeral and "once an organizer of that server agrees" in text_of(
            asked.original
        )
        assert (await total_and_per_server(path, code))[0] == 6
        agreed = await warsaw.act.run(warsaw.organizer, "petition drop-partner", {"code": code})
        assert "2 signatures from Warsaw were dropped" in text_of(agreed.original), text_of(
            agreed.original
        )
        total, per_server = await total_and_per_server(path, code)
        assert total == 4 and per_server == {owner.guild.id: 2, vilnius.guild.id: 2}
        board = await owner.act.run(owner.organizer, "petition partners", {"code": code})
        assert "Warsaw" not in text_of(board.original)
        assert "Total 4" in text_of(board.original)


async def snapshot(path: Path) -> dict[str, list[tuple[object, ...]]]:
    db = Database(path)
    await db.open()
    try:
        async with db.read() as conn:
            return {
                t: [tuple(r) for r in await conn.fetchall(f"SELECT * FROM {t} ORDER BY 1")]
                for t in (
                    "petitions",
                    "signatures",
                    "petition_partners",
                    "coalition_invites",
                    "audit_log",
                    "guild_contributions",
                )
            }
    finally:
        await db.close()


async def test_every_refusal_is_friendly_ephemeral_and_changes_nothing(
    emulator: DiscordEmulator, world: World, tmp_path: Path
) -> None:
    path = tmp_path / "r.db"
    owner = Act(emulator, world.channel)
    vilnius, warsaw = partner(emulator, "Vilnius"), partner(emulator, "Warsaw")
    plain = emulator.create_member(warsaw.guild, "plain")
    async with running_rally(emulator, path):
        code = await owner.create_petition(world.organizer)
        closed_code = await owner.create_petition(world.organizer, title="Closed one")
        opened = await owner.run(world.organizer, "petition join-code", {"code": code})
        join = JOIN.search(text_of(opened.original))
        assert join
        other = await owner.run(world.organizer, "petition join-code", {"code": closed_code})
        closed_join = JOIN.search(text_of(other.original))
        assert closed_join
        await owner.run(world.organizer, "petition close", {"code": closed_code})
        await vilnius.act.run(
            vilnius.organizer, "petition follow", {"code": code, "join-code": join.group(1)}
        )
        shown = await vilnius.act.run(vilnius.organizer, "petition show", {"code": code})
        assert shown.original is not None
        sign_id = next(c for c in buttons(shown.original) if c.startswith("rally:sign:"))

        cases: list[tuple[str, Act, Member, str, dict[str, str]]] = [
            (
                "No petition open to partners",
                warsaw.act,
                warsaw.organizer,
                "petition follow",
                {"code": code, "join-code": "AAAA-BBBB-CCCC"},
            ),
            (
                "No petition open to partners",
                warsaw.act,
                warsaw.organizer,
                "petition follow",
                {"code": "ZZZZZZ", "join-code": join.group(1)},
            ),
            (
                "belongs to this server already",
                owner,
                world.organizer,
                "petition follow",
                {"code": code, "join-code": join.group(1)},
            ),
            (
                "already follows",
                vilnius.act,
                vilnius.organizer,
                "petition follow",
                {"code": code, "join-code": join.group(1)},
            ),
            (
                "Only organizers can do that",
                warsaw.act,
                plain,
                "petition follow",
                {"code": code, "join-code": join.group(1)},
            ),
            (
                "is closed and no longer takes signatures",
                warsaw.act,
                warsaw.organizer,
                "petition follow",
                {"code": closed_code, "join-code": closed_join.group(1)},
            ),
            (
                "does not follow a petition",
                warsaw.act,
                warsaw.organizer,
                "petition unfollow",
                {"code": code},
            ),
            ("no petition with the code", warsaw.act, plain, "petition sign", {"code": code}),
            (
                "no petition with the code",
                warsaw.act,
                warsaw.organizer,
                "petition partners",
                {"code": code},
            ),
            (
                "no petition with the code",
                vilnius.act,
                vilnius.organizer,
                "petition close",
                {"code": code},
            ),
            (
                "no petition with the code",
                vilnius.act,
                vilnius.organizer,
                "petition join-code",
                {"code": code},
            ),
            (
                "not a partner",
                owner,
                world.organizer,
                "petition remove-partner",
                {"code": code, "server": str(warsaw.guild.id)},
            ),
            (
                "not a partner",
                owner,
                world.organizer,
                "petition remove-partner",
                {"code": code, "server": "not a server"},
            ),
            (
                "still follows",
                owner,
                world.organizer,
                "petition drop-partner",
                {"code": code, "server": str(vilnius.guild.id)},
            ),
            (
                "still follows",
                vilnius.act,
                vilnius.organizer,
                "petition drop-partner",
                {"code": code},
            ),
        ]
        for expected, act, who, command, options in cases:
            before = await snapshot(path)
            it = await act.run(who, command, options)
            assert it.ephemeral, (command, options)
            assert expected in text_of(it.original), (command, text_of(it.original))
            assert "error id" not in text_of(it.original).lower()
            assert await snapshot(path) == before, (command, options)

        # The owner removes Vilnius: the Sign button already posted there refuses, politely.
        await owner.run(
            world.organizer,
            "petition remove-partner",
            {"code": code, "server": str(vilnius.guild.id)},
        )
        member = emulator.create_member(vilnius.guild, "late")
        before = await snapshot(path)
        clicked = await vilnius.act.click(member, shown.original, sign_id)
        assert clicked.ephemeral and "no longer shared with this server" in text_of(
            clicked.original
        )
        again = await vilnius.act.run(
            vilnius.organizer, "petition follow", {"code": code, "join-code": join.group(1)}
        )
        assert again.ephemeral and "removed this server" in text_of(again.original)
        assert await snapshot(path) == before


async def purge(act: Act, admin: Member, guild: Guild) -> None:
    asked = await act.run(admin, "admin purge")
    assert asked.original is not None
    go = next(k for k, v in buttons(asked.original).items() if v == "Delete all Rally data")
    modal = await act.click(admin, asked.original, go)
    done = await act.emu.submit_modal(admin, modal, {"server_name": guild.name})
    assert "deleted everything" in text_of(await done.response())


async def test_purging_a_partner_then_the_owner(
    emulator: DiscordEmulator, world: World, tmp_path: Path
) -> None:
    path = tmp_path / "r.db"
    owner = Act(emulator, world.channel)
    vilnius = partner(emulator, "Vilnius")
    async with running_rally(emulator, path):
        code = await owner.create_petition(world.organizer)
        opened = await owner.run(world.organizer, "petition join-code", {"code": code})
        join = JOIN.search(text_of(opened.original))
        assert join
        await vilnius.act.run(
            vilnius.organizer, "petition follow", {"code": code, "join-code": join.group(1)}
        )
        for m in (world.anna, world.ben):
            await owner.run(m, "petition sign", {"code": code})
        for n in range(3):
            signer = emulator.create_member(vilnius.guild, f"v{n}")
            await vilnius.act.run(signer, "petition sign", {"code": code})
        assert await total_and_per_server(path, code) == (
            5,
            {world.guild.id: 2, vilnius.guild.id: 3},
        )

        # Vilnius asks Rally to forget it: its members' signatures leave the shared total too.
        await purge(vilnius.act, vilnius.organizer, vilnius.guild)
        assert await total_and_per_server(path, code) == (2, {world.guild.id: 2})
        await owner.run(world.organizer, "leaderboard settings", {"smallest_team": 1})
        board = await owner.run(world.organizer, "petition partners", {"code": code})
        assert "Vilnius" not in text_of(board.original) and "Total 2" in text_of(board.original)
        snap = await snapshot(path)
        assert not [r for r in snap["petition_partners"] if vilnius.guild.id in r]

        # The owner purges: the petition is gone for every server that followed it.
        await vilnius.act.run(
            vilnius.organizer, "petition follow", {"code": code, "join-code": join.group(1)}
        )
        await purge(owner, world.organizer, world.guild)
        late = emulator.create_member(vilnius.guild, "late")
        gone = await vilnius.act.run(late, "petition sign", {"code": code})
        assert gone.ephemeral and "no petition with the code" in text_of(gone.original)
        snap = await snapshot(path)
        assert all(snap[t] == [] for t in ("petitions", "signatures", "petition_partners"))
