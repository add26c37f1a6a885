"""The REST server: routing, auth, faults, rate limits, OpenAPI validation, error shapes."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .limits import ApiError
from .ratelimits import too_many_requests_body, too_many_requests_headers

if TYPE_CHECKING:
    from .emulator import DiscordEmulator

PREFIX = "/api/v10"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
EMU_KEY = web.AppKey("emulator", object)
UNAUTHENTICATED = ("/webhooks/", "/interactions/")


def json_response(
    data: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    """JSON with ``Content-Type`` exactly ``application/json`` (discord.py parses nothing else)."""
    hdrs = {"Content-Type": "application/json", **(headers or {})}
    return web.Response(body=json.dumps(data).encode(), status=status, headers=hdrs)


def no_content() -> web.Response:
    return web.Response(status=204)


def emu_of(request: web.Request) -> DiscordEmulator:
    return request.app[EMU_KEY]  # type: ignore[return-value]


def snowflake(request: web.Request, key: str) -> int:
    raw = request.match_info[key]
    if not raw.isdigit():
        raise ApiError(
            400,
            50035,
            "Invalid Form Body",
            {
                key: {
                    "_errors": [
                        {
                            "code": "NUMBER_TYPE_COERCE",
                            "message": f'Value "{raw}" is not snowflake.',
                        }
                    ]
                }
            },
        )
    return int(raw)


def _template(request: web.Request) -> str | None:
    resource = request.match_info.route.resource
    if resource is None:
        return None
    canonical = resource.canonical
    if not canonical.startswith(PREFIX) or "{tail" in canonical:
        return None
    return canonical[len(PREFIX) :]


def _major(request: web.Request) -> str:
    info = request.match_info
    keys = ("channel_id", "guild_id", "webhook_id", "webhook_token", "interaction_id")
    return "+".join(info[k] for k in keys if k in info)


def make_middleware(emu: DiscordEmulator) -> Any:
    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        method, path = request.method, request.path
        if not path.startswith(PREFIX):
            return await handler(request)
        rel = path[len(PREFIX) :]
        template = _template(request)
        if request.transport is not None:
            emu.connections.add(request.transport.get_extra_info("peername"))
        response = await _process(emu, request, handler, method, rel, template)
        emu.requests.append((method, rel, response.status))
        return response

    return middleware


async def _process(
    emu: DiscordEmulator,
    request: web.Request,
    handler: Handler,
    method: str,
    rel: str,
    template: str | None,
) -> web.StreamResponse:
    if template is None:
        emu.unhandled.append((method, rel))
        return json_response(
            {"message": f"Emulator: unhandled route {method} {rel}", "code": 0}, 404
        )
    fault = emu.faults.take(method, template, rel)
    if fault is not None:
        if fault.delay:
            await asyncio.sleep(fault.delay)
        if fault.status == 429:
            headers = too_many_requests_headers(fault.retry_after)
            if not fault.via:
                headers.pop("Via")
            if fault.is_global:
                headers["X-RateLimit-Global"] = "true"
            headers["X-RateLimit-Scope"] = "global" if fault.is_global else "user"
            return json_response(
                too_many_requests_body(fault.retry_after, fault.is_global), 429, headers
            )
        if fault.status is not None:
            return json_response(
                {"message": f"{fault.status}: Emulated fault", "code": 0}, fault.status
            )
    authenticated = not template.startswith(UNAUTHENTICATED)
    if authenticated and request.headers.get("Authorization") != f"Bot {emu.token}":
        return json_response({"message": "401: Unauthorized", "code": 0}, 401)
    exempt = template.endswith("/callback")
    decision = emu.ratelimits.check(
        method, template, _major(request), counts_global=authenticated and not exempt
    )
    if decision.limited:
        headers = {**decision.headers, **too_many_requests_headers(decision.retry_after)}
        return json_response(
            too_many_requests_body(decision.retry_after, decision.is_global), 429, headers
        )
    try:
        response = await handler(request)
    except ApiError as exc:
        response = json_response(exc.body(), exc.status)
    for key, value in decision.headers.items():
        response.headers[key] = value
    return response


def validate(emu: DiscordEmulator, request: web.Request, body: Any) -> None:
    """The OpenAPI layer (Discord's own rules run first, in the handlers)."""
    template = _template(request)
    if emu.openapi is not None and template is not None and body is not None:
        emu.openapi.validate(request.method, template.replace("@original", "{message_id}"), body)


async def unhandled(request: web.Request) -> web.StreamResponse:
    emu = emu_of(request)
    if request.path.startswith(PREFIX):
        raise web.HTTPInternalServerError  # never reached: the middleware answers first
    emu.unhandled.append((request.method, request.path))
    return json_response({"message": f"Emulator: unhandled {request.method} {request.path}"}, 404)


async def serve_attachment(request: web.Request) -> web.StreamResponse:
    emu = emu_of(request)
    att = emu.files.get(int(request.match_info["attachment_id"]))
    if att is None:
        return web.Response(status=404, text="Not Found")
    return web.Response(
        body=att.content, content_type=att.content_type or "application/octet-stream"
    )


def build_app(emu: DiscordEmulator) -> web.Application:
    from . import rest_channels, rest_core, rest_guilds, rest_interactions

    app = web.Application(middlewares=[make_middleware(emu)], client_max_size=100 * 1024 * 1024)
    app[EMU_KEY] = emu
    app.router.add_get("/gateway", emu.gateway.handle)
    app.router.add_get("/attachments/{channel_id}/{attachment_id}/{filename}", serve_attachment)
    for module in (rest_core, rest_interactions, rest_channels, rest_guilds):
        for method, path, handler in module.ROUTES:
            app.router.add_route(method, PREFIX + path, handler)
    app.router.add_route("*", "/{tail:.*}", unhandled)
    return app
