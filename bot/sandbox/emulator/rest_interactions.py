"""Interaction callbacks, the original response and follow-ups (webhook routes)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from .interactions import Interaction
from .limits import ApiError, check_autocomplete, check_message, check_modal, prefixed
from .messages import read_body
from .rest import emu_of, json_response, no_content, snowflake, validate


def _interaction(request: web.Request, *, webhook: bool) -> Interaction:
    emu = emu_of(request)
    token = request.match_info["webhook_token" if webhook else "interaction_token"]
    it = emu.interactions_by_token.get(token)
    if webhook:
        if snowflake(request, "webhook_id") != emu.application_id or it is None:
            raise ApiError(404, 10015, "Unknown Webhook")
    elif it is None or str(it.id) != request.match_info["interaction_id"]:
        raise ApiError(404, 10062, "Unknown interaction")
    return it


def _precheck(payload: dict[str, Any], files: int) -> None:
    """Discord's own rules before the OpenAPI layer, so their messages win."""
    kind, data = payload.get("type"), payload.get("data") or {}
    try:
        if kind in (4, 7):
            check_message(data, files=files, edit=kind == 7)
        elif kind == 8:
            check_autocomplete(data)
        elif kind == 9:
            check_modal(data)
    except ApiError as exc:
        raise prefixed(["data"], exc) from None


async def callback(request: web.Request) -> web.StreamResponse:
    emu = emu_of(request)
    it = _interaction(request, webhook=False)
    body = await read_body(request)
    payload: dict[str, Any] = body.payload or {}
    it.check_token(webhook=False)
    if it.acknowledged:
        raise ApiError(400, 40060, "Interaction has already been acknowledged.")
    _precheck(payload, len(body.files))
    validate(emu, request, payload)
    reply = it.callback(payload, body.files)
    if request.query.get("with_response") in ("1", "true", "True"):
        return json_response(reply)
    return no_content()


async def execute(request: web.Request) -> web.StreamResponse:
    emu = emu_of(request)
    it = _interaction(request, webhook=True)
    body = await read_body(request)
    payload: dict[str, Any] = body.payload or {}
    check_message(payload, files=len(body.files))
    validate(emu, request, payload)
    msg = it.followup(payload, body.files)
    if request.query.get("wait") in ("1", "true", "True"):
        return json_response(msg.to_json())
    return no_content()


async def get_message(request: web.Request) -> web.StreamResponse:
    it = _interaction(request, webhook=True)
    return json_response(it.own_message(request.match_info["message_id"]).to_json())


async def edit_message(request: web.Request) -> web.StreamResponse:
    emu = emu_of(request)
    it = _interaction(request, webhook=True)
    body = await read_body(request)
    payload: dict[str, Any] = body.payload or {}
    check_message(payload, edit=True)
    validate(emu, request, payload)
    msg = it.edit(request.match_info["message_id"], payload, body.files)
    return json_response(msg.to_json())


async def delete_message(request: web.Request) -> web.StreamResponse:
    it = _interaction(request, webhook=True)
    it.delete(request.match_info["message_id"])
    return no_content()


_HOOK = "/webhooks/{webhook_id}/{webhook_token}"
ROUTES: list[tuple[str, str, Any]] = [
    ("POST", "/interactions/{interaction_id}/{interaction_token}/callback", callback),
    ("POST", _HOOK, execute),
    ("GET", _HOOK + "/messages/{message_id}", get_message),
    ("PATCH", _HOOK + "/messages/{message_id}", edit_message),
    ("DELETE", _HOOK + "/messages/{message_id}", delete_message),
]
