"""/admin purge: Manage Server only, confirmed twice; afterwards nothing of the server is left."""

from __future__ import annotations

from pathlib import Path

from bot.db import Database
from bot.sandbox.emulator import DiscordEmulator, Member
from tests.e2e.conftest import World
from tests.e2e.rally_harness import Act, buttons, running_rally, text_of


async def rows_of(path: Path, guild_id: int) -> dict[str, int]:
    """Rows per table that still carry the server's id, plus people and signatures overall."""
    db = Database(path)
    await db.open()
    try:
        async with db.read() as conn:
            tables = [
                r[0]
                for r in await conn.fetchall("SELECT name FROM sqlite_master WHERE type='table'")
            ]
            found: dict[str, int] = {}
            for table in tables:
                columns = [r[1] for r in await conn.fetchall(f"PRAGMA table_info({table})")]
                if "guild_id" in columns:
                    count = await conn.fetchval(
                        f"SELECT COUNT(*) FROM {table} WHERE guild_id = ?", (guild_id,)
                    )
                    if count:
                        found[table] = int(count)
            for table in ("signers", "member_links", "signatures", "petitions"):
                found[f"all {table}"] = int(await conn.fetchval(f"SELECT COUNT(*) FROM {table}"))
            return found
    finally:
        await db.close()


async def test_purge_deletes_the_servers_data_and_only_its_data(
    emulator: DiscordEmulator, world: World, tmp_path: Path
) -> None:
    path = tmp_path / "r.db"
    other = emulator.create_guild("Other city")
    other_channel = emulator.create_channel(other, "general")
    other_admin = emulator.create_member(other, "viktar", permissions=1 << 5)
    both = Member(other.id, world.ben.user)  # ben is in both servers
    other.members[both.user.id] = both
    async with running_rally(emulator, path):
        act = Act(emulator, world.channel)
        await act.run(world.organizer, "setup configure", {"language": "be"})
        code = await act.create_petition(world.organizer)
        await act.run(world.anna, "petition sign", {"code": code})
        await act.run(world.ben, "petition sign", {"code": code})
        elsewhere = Act(emulator, other_channel)
        other_code = await elsewhere.create_petition(other_admin, title="Other petition")
        await elsewhere.run(both, "petition sign", {"code": other_code})

        refused = await act.run(world.anna, "admin purge")
        assert "Manage Server" in text_of(refused.original)
        before = await rows_of(path, world.guild.id)
        assert before["petitions"] == 1 and before["signatures"] == 2

        asked = await act.run(world.organizer, "admin purge")
        assert asked.original is not None and "cannot be undone" in text_of(asked.original)
        go = next(k for k, v in buttons(asked.original).items() if v == "Delete all Rally data")
        modal = await act.click(world.organizer, asked.original, go)
        assert modal.modal is not None
        wrong = await emulator.submit_modal(world.organizer, modal, {"server_name": "Demo!"})
        assert "nothing was deleted" in text_of(await wrong.response())
        assert await rows_of(path, world.guild.id) == before

        asked = await act.run(world.organizer, "admin purge")  # start over, as a member would
        assert asked.original is not None
        go = next(k for k, v in buttons(asked.original).items() if v == "Delete all Rally data")
        again = await act.click(world.organizer, asked.original, go)
        done = await emulator.submit_modal(
            world.organizer, again, {"server_name": world.guild.name}
        )
        assert "deleted everything" in text_of(await done.response())
        shown = await act.run(world.anna, "petition show", {"code": code})
        assert "There is no petition" in text_of(shown.original)
        still = await elsewhere.run(both, "petition show", {"code": other_code})
        assert "Other petition" in text_of(still.original)
    after = await rows_of(path, world.guild.id)
    assert {k: v for k, v in after.items() if not k.startswith("all ")} == {}
    assert after["all petitions"] == 1 and after["all signatures"] == 1
    assert after["all signers"] == 1 and after["all member_links"] == 1  # ben stays, anna is gone
