"""Channels, channel messages (with files and nonces), pins and DM channels."""

from __future__ import annotations

import time
from typing import Any

from aiohttp import web

from .limits import ApiError, check_message, invalid_form
from .messages import read_body
from .rest import emu_of, json_response, no_content, snowflake, validate
from .state import (
    ATTACH_FILES,
    MANAGE_MESSAGES,
    READ_MESSAGE_HISTORY,
    SEND_MESSAGES,
    VIEW_CHANNEL,
    Channel,
    Message,
    now,
)

NONCE_WINDOW = 5 * 60.0


def _channel(request: web.Request, *, needs: int = VIEW_CHANNEL) -> Channel:
    emu = emu_of(request)
    channel = emu.channels.get(snowflake(request, "channel_id"))
    if channel is None:
        raise ApiError(404, 10003, "Unknown Channel")
    if channel.guild_id is not None:
        guild = emu.guilds[channel.guild_id]
        perms = guild.permissions_for(guild.members[emu.bot_user.id])
        if not perms & VIEW_CHANNEL:
            raise ApiError(403, 50001, "Missing Access")
        if perms & needs != needs:
            raise ApiError(403, 50013, "Missing Permissions")
    return channel


def _message(request: web.Request, channel: Channel) -> Message:
    emu = emu_of(request)
    msg = emu.message_store.get(snowflake(request, "message_id"))
    if msg is None or msg.deleted or msg.channel_id != channel.id or msg.ephemeral:
        raise ApiError(404, 10008, "Unknown Message")
    return msg


async def get_channel(request: web.Request) -> web.StreamResponse:
    return json_response(_channel(request).to_json())


async def create_message(request: web.Request) -> web.StreamResponse:
    emu = emu_of(request)
    channel = _channel(request, needs=VIEW_CHANNEL | SEND_MESSAGES)
    body = await read_body(request)
    payload: dict[str, Any] = body.payload or {}
    if body.files and channel.guild_id is not None:
        _channel(request, needs=ATTACH_FILES)
    if channel.type == 1 and channel.recipients[0].id in emu.closed_dms:
        raise ApiError(403, 50007, "Cannot send messages to this user")
    check_message(payload, files=len(body.files))
    validate(emu, request, payload)
    nonce = payload.get("nonce")
    if nonce is not None and payload.get("enforce_nonce"):
        seen = emu.nonces.get((channel.id, str(nonce)))
        if seen is not None and time.monotonic() - seen[1] < NONCE_WINDOW:
            earlier = emu.message_store[seen[0]]
            return json_response(earlier.to_json())
    reference = payload.get("message_reference")
    msg_type = 19 if reference and reference.get("type", 0) == 0 else 0
    msg = emu.message_factory.create(channel, payload, body.files, msg_type=msg_type)
    if nonce is not None and payload.get("enforce_nonce"):
        emu.nonces[(channel.id, str(nonce))] = (msg.id, time.monotonic())
    emu.store_message(msg)
    return json_response(msg.to_json())


async def list_messages(request: web.Request) -> web.StreamResponse:
    emu = emu_of(request)
    channel = _channel(request, needs=VIEW_CHANNEL | READ_MESSAGE_HISTORY)
    try:
        limit = int(request.query.get("limit", "50"))
    except ValueError:
        raise invalid_form(["limit"], "NUMBER_TYPE_COERCE", "Value is not int.") from None
    if not 1 <= limit <= 100:
        raise invalid_form(["limit"], "NUMBER_TYPE_MAX", "int value should be <= 100.")
    found = list(reversed(emu.messages(channel.id)))
    if "before" in request.query:
        found = [m for m in found if m.id < int(request.query["before"])]
    if "after" in request.query:
        found = [m for m in reversed(found) if m.id > int(request.query["after"])][:limit]
        found.reverse()
    return json_response([m.to_json() for m in found[:limit]])


async def get_message(request: web.Request) -> web.StreamResponse:
    channel = _channel(request, needs=VIEW_CHANNEL | READ_MESSAGE_HISTORY)
    return json_response(_message(request, channel).to_json())


async def edit_message(request: web.Request) -> web.StreamResponse:
    emu = emu_of(request)
    channel = _channel(request)
    msg = _message(request, channel)
    if msg.author.id != emu.bot_user.id:
        raise ApiError(403, 50005, "Cannot edit a message authored by another user")
    body = await read_body(request)
    payload: dict[str, Any] = body.payload or {}
    check_message(payload, edit=True)
    validate(emu, request, payload)
    emu.message_factory.edit(msg, payload, body.files)
    emu.message_updated(msg)
    return json_response(msg.to_json())


async def delete_message(request: web.Request) -> web.StreamResponse:
    emu = emu_of(request)
    channel = _channel(request)
    msg = _message(request, channel)
    if msg.author.id != emu.bot_user.id and channel.guild_id is not None:
        _channel(request, needs=MANAGE_MESSAGES)
    emu.delete_message(msg)
    return no_content()


async def pins(request: web.Request) -> web.StreamResponse:
    emu = emu_of(request)
    channel = _channel(request, needs=VIEW_CHANNEL | READ_MESSAGE_HISTORY)
    live = [
        (emu.message_store[mid], at)
        for mid, at in reversed(channel.pins)
        if not emu.message_store[mid].deleted
    ]
    if request.path.endswith("/messages/pins"):
        items = [{"pinned_at": at.isoformat(), "message": m.to_json()} for m, at in live]
        return json_response({"items": items, "has_more": False})
    return json_response([m.to_json() for m, _ in live])


async def pin(request: web.Request) -> web.StreamResponse:
    emu = emu_of(request)
    channel = _channel(request, needs=VIEW_CHANNEL | MANAGE_MESSAGES)
    msg = _message(request, channel)
    if not msg.pinned:
        if len(channel.pins) >= 250:
            raise ApiError(400, 30003, "Maximum number of pins reached (250)")
        msg.pinned = True
        channel.pins.append((msg.id, now()))
        emu.message_updated(msg)
    return no_content()


async def unpin(request: web.Request) -> web.StreamResponse:
    emu = emu_of(request)
    channel = _channel(request, needs=VIEW_CHANNEL | MANAGE_MESSAGES)
    msg = _message(request, channel)
    msg.pinned = False
    channel.pins = [(mid, at) for mid, at in channel.pins if mid != msg.id]
    emu.message_updated(msg)
    return no_content()


async def typing(request: web.Request) -> web.StreamResponse:
    _channel(request, needs=VIEW_CHANNEL | SEND_MESSAGES)
    return no_content()


async def create_dm(request: web.Request) -> web.StreamResponse:
    emu = emu_of(request)
    payload: dict[str, Any] = (await read_body(request)).payload or {}
    validate(emu, request, payload)
    try:
        user_id = int(payload.get("recipient_id") or 0)
    except ValueError:
        user_id = 0
    if user_id not in emu.users or user_id == emu.bot_user.id:
        raise ApiError(400, 50033, "Invalid Recipient(s)")
    return json_response(emu.dm_channel(user_id).to_json())


_CH = "/channels/{channel_id}"
ROUTES: list[tuple[str, str, Any]] = [
    ("GET", _CH, get_channel),
    ("GET", _CH + "/messages/pins", pins),
    ("PUT", _CH + "/messages/pins/{message_id}", pin),
    ("DELETE", _CH + "/messages/pins/{message_id}", unpin),
    ("GET", _CH + "/pins", pins),
    ("PUT", _CH + "/pins/{message_id}", pin),
    ("DELETE", _CH + "/pins/{message_id}", unpin),
    ("GET", _CH + "/messages", list_messages),
    ("POST", _CH + "/messages", create_message),
    ("GET", _CH + "/messages/{message_id}", get_message),
    ("PATCH", _CH + "/messages/{message_id}", edit_message),
    ("DELETE", _CH + "/messages/{message_id}", delete_message),
    ("POST", _CH + "/typing", typing),
    ("POST", "/users/@me/channels", create_dm),
]
