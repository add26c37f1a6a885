"""Every organizer command × every kind of member: allowed or refused as documented, and a
refused call changes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.sandbox.emulator import DiscordEmulator, Member
from bot.sandbox.emulator.state import MANAGE_GUILD
from tests.e2e.conftest import World
from tests.e2e.rally_harness import Act, running_rally, text_of
from tests.e2e.test_petitions_e2e import counts

ORGANIZER = "Only organizers can do that"
MANAGER = "Only members with the Manage Server permission can do that"
KINDS = ("plain member", "organizer role", "manage server", "administrator", "role just removed")

# (command, who may run it: "organizer" = the organizer role or Manage Server (administrators
# have it); "manager" = Manage Server only)
COMMANDS: list[tuple[str, str]] = [
    ("petition create", "organizer"),
    ("petition edit", "organizer"),
    ("petition close", "organizer"),
    ("petition reopen", "organizer"),
    ("petition delete", "organizer"),
    ("petition count", "organizer"),
    ("petition visibility", "organizer"),
    ("milestones setup", "organizer"),
    ("review list", "organizer"),
    ("setup configure", "manager"),
    ("petition follow", "organizer"),
    ("petition unfollow", "organizer"),
    ("petition partners", "organizer"),
    ("petition join-code", "organizer"),
    ("petition remove-partner", "organizer"),
    ("petition drop-partner", "organizer"),
    ("leaderboard teams", "organizer"),  # with `petition`: the coalition's servers board
    ("admin purge", "manager"),
]


def options(command: str, code: str) -> dict[str, Any]:
    return {
        "petition count": {"code": code, "external": 7},
        "petition visibility": {"code": code, "page": "unlisted"},
        "milestones setup": {"jumps": "each"},
        "setup configure": {"language": "uk"},
        "petition create": {},
        "review list": {},
        "petition follow": {"code": code, "join-code": "AAAA-BBBB-CCCC"},
        "petition remove-partner": {"code": code, "server": "1"},
        "admin purge": {},
        "leaderboard teams": {"petition": code},
    }.get(command, {"code": code})


def allowed(kind: str, who: str) -> bool:
    if kind in ("manage server", "administrator"):
        return True
    return kind == "organizer role" and who == "organizer"


@pytest.mark.parametrize(("command", "who"), COMMANDS)
async def test_permission_matrix(
    emulator: DiscordEmulator, world: World, tmp_path: Path, command: str, who: str
) -> None:
    organizer_role = emulator.create_role(world.guild, "Campaign team")
    managers = emulator.create_role(world.guild, "Managers", permissions=MANAGE_GUILD)
    members: dict[str, Member] = {
        "plain member": emulator.create_member(world.guild, "plain"),
        "organizer role": emulator.create_member(world.guild, "team", roles=[organizer_role]),
        "manage server": emulator.create_member(world.guild, "manager", roles=[managers]),
        "administrator": world.organizer,  # the Organizer role in `world` has Administrator
        "role just removed": emulator.create_member(world.guild, "former", roles=[organizer_role]),
    }
    path = tmp_path / "r.db"
    async with running_rally(emulator, path) as bot:
        act = Act(emulator, world.channel)
        await act.run(world.organizer, "setup configure", {"organizer_role": organizer_role})
        world.guild.members[members["role just removed"].user.id].roles.remove(organizer_role.id)
        for kind in KINDS:
            code = await act.create_petition(world.organizer, title=f"For {kind}")
            before = await counts(path)
            settings_before = await bot.services.guilds.settings(world.guild.id)
            it = await act.run(members[kind], command, options(command, code))
            reply = text_of(it.original)
            if allowed(kind, who):
                assert ORGANIZER not in reply and MANAGER not in reply, (kind, reply)
                assert it.modal is not None or it.original is not None
            else:
                assert it.ephemeral and it.modal is None, kind
                assert (MANAGER if who == "manager" else ORGANIZER) in reply, (kind, reply)
                assert await counts(path) == before, kind
                assert await bot.services.guilds.settings(world.guild.id) == settings_before
