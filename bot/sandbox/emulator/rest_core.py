"""Users, the application, the gateway URL and application commands."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from .limits import ApiError, check_commands
from .messages import read_body
from .rest import emu_of, json_response, no_content, snowflake, validate


async def get_gateway(request: web.Request) -> web.StreamResponse:
    return json_response({"url": emu_of(request).gateway_url})


async def get_gateway_bot(request: web.Request) -> web.StreamResponse:
    emu = emu_of(request)
    return json_response(
        {
            "url": emu.gateway_url,
            "shards": emu.shard_count,
            "session_start_limit": {
                "total": 1000,
                "remaining": 999,
                "reset_after": 14_400_000,
                "max_concurrency": 1,
            },
        }
    )


async def get_me(request: web.Request) -> web.StreamResponse:
    emu = emu_of(request)
    return json_response(
        {
            **emu.bot_user.to_json(),
            "verified": True,
            "mfa_enabled": False,
            "locale": "en-US",
            "email": None,
        }
    )


async def get_user(request: web.Request) -> web.StreamResponse:
    emu = emu_of(request)
    user = emu.users.get(snowflake(request, "user_id"))
    if user is None:
        raise ApiError(404, 10013, "Unknown User")
    return json_response(user.to_json())


async def application_info(request: web.Request) -> web.StreamResponse:
    emu = emu_of(request)
    return json_response(
        {
            "id": str(emu.application_id),
            "name": emu.bot_user.username,
            "icon": None,
            "description": "Emulated application",
            "summary": "",
            "type": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "flags": 0,
            "owner": emu.owner.to_json(),
            "team": None,
            "bot": emu.bot_user.to_json(),
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "tags": [],
            "approximate_guild_count": len(emu.guilds),
            "integration_types_config": {"0": {}},
        }
    )


def _guild_scope(request: web.Request) -> int | None:
    emu = emu_of(request)
    if snowflake(request, "application_id") != emu.application_id:
        raise ApiError(403, 50001, "Missing Access")
    if "guild_id" not in request.match_info:
        return None
    guild_id = snowflake(request, "guild_id")
    if guild_id not in emu.guilds:
        raise ApiError(403, 50001, "Missing Access")
    return guild_id


async def list_commands(request: web.Request) -> web.StreamResponse:
    emu = emu_of(request)
    return json_response(list(emu.commands.table(_guild_scope(request)).values()))


async def bulk_overwrite(request: web.Request) -> web.StreamResponse:
    emu = emu_of(request)
    scope = _guild_scope(request)
    body = (await read_body(request)).payload
    if not isinstance(body, list):
        raise ApiError(
            400,
            50035,
            "Invalid Form Body",
            {"_errors": [{"code": "BASE_TYPE_ARRAY", "message": "Must be an array."}]},
        )
    check_commands(body)  # Discord's rules first (precise errors), then the OpenAPI layer
    validate(emu, request, body)
    return json_response(emu.commands.bulk_overwrite(scope, body))


async def create_command(request: web.Request) -> web.StreamResponse:
    emu = emu_of(request)
    scope = _guild_scope(request)
    body: dict[str, Any] = (await read_body(request)).payload or {}
    validate(emu, request, body)
    cmd, created = emu.commands.upsert(scope, body)
    return json_response(cmd, 201 if created else 200)


async def get_command(request: web.Request) -> web.StreamResponse:
    emu = emu_of(request)
    return json_response(emu.commands.get(_guild_scope(request), snowflake(request, "command_id")))


async def edit_command(request: web.Request) -> web.StreamResponse:
    emu = emu_of(request)
    scope = _guild_scope(request)
    body: dict[str, Any] = (await read_body(request)).payload or {}
    validate(emu, request, body)
    return json_response(emu.commands.edit(scope, snowflake(request, "command_id"), body))


async def delete_command(request: web.Request) -> web.StreamResponse:
    emu = emu_of(request)
    emu.commands.delete(_guild_scope(request), snowflake(request, "command_id"))
    return no_content()


async def command_permissions(request: web.Request) -> web.StreamResponse:
    _guild_scope(request)
    return json_response([])


_APP = "/applications/{application_id}"
_GUILD_CMDS = _APP + "/guilds/{guild_id}/commands"
ROUTES: list[tuple[str, str, Any]] = [
    ("GET", "/gateway", get_gateway),
    ("GET", "/gateway/bot", get_gateway_bot),
    ("GET", "/users/@me", get_me),
    ("GET", "/users/{user_id}", get_user),
    ("GET", "/oauth2/applications/@me", application_info),
    ("GET", "/applications/@me", application_info),
    ("GET", _APP + "/commands", list_commands),
    ("PUT", _APP + "/commands", bulk_overwrite),
    ("POST", _APP + "/commands", create_command),
    ("GET", _APP + "/commands/{command_id}", get_command),
    ("PATCH", _APP + "/commands/{command_id}", edit_command),
    ("DELETE", _APP + "/commands/{command_id}", delete_command),
    ("GET", _GUILD_CMDS + "/permissions", command_permissions),
    ("GET", _GUILD_CMDS, list_commands),
    ("PUT", _GUILD_CMDS, bulk_overwrite),
    ("POST", _GUILD_CMDS, create_command),
    ("GET", _GUILD_CMDS + "/{command_id}", get_command),
    ("PATCH", _GUILD_CMDS + "/{command_id}", edit_command),
    ("DELETE", _GUILD_CMDS + "/{command_id}", delete_command),
]
