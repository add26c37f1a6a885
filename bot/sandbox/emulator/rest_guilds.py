"""Guild, role and member calls, with Manage Roles and role-hierarchy checks like Discord's."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from .limits import ApiError, invalid_form
from .messages import read_body
from .rest import emu_of, json_response, no_content, snowflake, validate
from .state import MANAGE_ROLES, Guild, Member, Role

MANAGE_NICKNAMES = 1 << 27


def _guild(request: web.Request) -> Guild:
    guild = emu_of(request).guilds.get(snowflake(request, "guild_id"))
    if guild is None:
        raise ApiError(404, 10004, "Unknown Guild")
    return guild


def _member(request: web.Request, guild: Guild) -> Member:
    raw = request.match_info["user_id"]
    user_id = emu_of(request).bot_user.id if raw == "@me" else snowflake(request, "user_id")
    member = guild.members.get(user_id)
    if member is None:
        raise ApiError(404, 10007, "Unknown Member")
    return member


def _bot(request: web.Request, guild: Guild) -> Member:
    return guild.members[emu_of(request).bot_user.id]


def _can_manage(request: web.Request, guild: Guild, role: Role) -> None:
    """Discord: Manage Roles, and the role must sit below the bot's highest role."""
    bot = _bot(request, guild)
    if not guild.permissions_for(bot) & MANAGE_ROLES:
        raise ApiError(403, 50013, "Missing Permissions")
    if role.managed or role.id == guild.id or role.position >= guild.top_position(bot):
        raise ApiError(403, 50013, "Missing Permissions")


def _member_updated(request: web.Request, guild: Guild, member: Member) -> None:
    data = {**member.to_json(), "guild_id": str(guild.id)}
    emu_of(request).gateway.dispatch("GUILD_MEMBER_UPDATE", data, guild_id=guild.id)


async def get_guild(request: web.Request) -> web.StreamResponse:
    guild = _guild(request)
    data = guild.to_json()
    if request.query.get("with_counts") in ("1", "true"):
        data["approximate_member_count"] = len(guild.members)
        data["approximate_presence_count"] = 0
    return json_response(data)


async def get_channels(request: web.Request) -> web.StreamResponse:
    return json_response([c.to_json() for c in _guild(request).channels.values()])


async def get_roles(request: web.Request) -> web.StreamResponse:
    return json_response([r.to_json() for r in _guild(request).roles.values()])


async def get_role(request: web.Request) -> web.StreamResponse:
    role = _guild(request).roles.get(snowflake(request, "role_id"))
    if role is None:
        raise ApiError(404, 10011, "Unknown Role")
    return json_response(role.to_json())


async def create_role(request: web.Request) -> web.StreamResponse:
    emu = emu_of(request)
    guild = _guild(request)
    payload: dict[str, Any] = (await read_body(request)).payload or {}
    validate(emu, request, payload)
    bot = _bot(request, guild)
    if not guild.permissions_for(bot) & MANAGE_ROLES:
        raise ApiError(403, 50013, "Missing Permissions")
    if len(guild.roles) >= 250:
        raise ApiError(400, 30005, "Maximum number of guild roles reached (250)")
    name = payload.get("name") or "new role"
    if len(name) > 100:
        raise invalid_form(["name"], "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length.")
    role = emu.create_role(
        guild,
        name,
        permissions=int(payload.get("permissions") or 0),
        mentionable=bool(payload.get("mentionable")),
        color=int(payload.get("color") or 0),
    )
    return json_response(role.to_json())


async def get_member(request: web.Request) -> web.StreamResponse:
    guild = _guild(request)
    return json_response(_member(request, guild).to_json())


async def list_members(request: web.Request) -> web.StreamResponse:
    guild = _guild(request)
    limit = int(request.query.get("limit", "1"))
    if not 1 <= limit <= 1000:
        raise invalid_form(["limit"], "NUMBER_TYPE_MAX", "int value should be <= 1000.")
    after = int(request.query.get("after", "0"))
    members = sorted((m for m in guild.members.values() if m.id > after), key=lambda m: m.id)
    return json_response([m.to_json() for m in members[:limit]])


async def edit_member(request: web.Request) -> web.StreamResponse:
    emu = emu_of(request)
    guild = _guild(request)
    member = _member(request, guild)
    payload: dict[str, Any] = (await read_body(request)).payload or {}
    validate(emu, request, payload)
    if "roles" in payload:
        wanted = {int(r) for r in payload["roles"] or []}
        for role_id in wanted ^ set(member.roles):
            role = guild.roles.get(role_id)
            if role is None:
                raise ApiError(404, 10011, "Unknown Role")
            _can_manage(request, guild, role)
        member.roles = sorted(wanted)
    if "nick" in payload:
        bot = _bot(request, guild)
        if member is not bot and not guild.permissions_for(bot) & MANAGE_NICKNAMES:
            raise ApiError(403, 50013, "Missing Permissions")
        member.nick = payload["nick"]
    _member_updated(request, guild, member)
    return json_response(member.to_json())


async def add_role(request: web.Request) -> web.StreamResponse:
    guild = _guild(request)
    member = _member(request, guild)
    role = guild.roles.get(snowflake(request, "role_id"))
    if role is None:
        raise ApiError(404, 10011, "Unknown Role")
    _can_manage(request, guild, role)
    if role.id not in member.roles:
        member.roles.append(role.id)
        _member_updated(request, guild, member)
    return no_content()


async def remove_role(request: web.Request) -> web.StreamResponse:
    guild = _guild(request)
    member = _member(request, guild)
    role = guild.roles.get(snowflake(request, "role_id"))
    if role is None:
        raise ApiError(404, 10011, "Unknown Role")
    _can_manage(request, guild, role)
    if role.id in member.roles:
        member.roles.remove(role.id)
        _member_updated(request, guild, member)
    return no_content()


_G = "/guilds/{guild_id}"
ROUTES: list[tuple[str, str, Any]] = [
    ("GET", _G, get_guild),
    ("GET", _G + "/channels", get_channels),
    ("GET", _G + "/roles", get_roles),
    ("POST", _G + "/roles", create_role),
    ("GET", _G + "/roles/{role_id}", get_role),
    ("GET", _G + "/members", list_members),
    ("GET", _G + "/members/{user_id}", get_member),
    ("PATCH", _G + "/members/{user_id}", edit_member),
    ("PUT", _G + "/members/{user_id}/roles/{role_id}", add_role),
    ("DELETE", _G + "/members/{user_id}/roles/{role_id}", remove_role),
]
