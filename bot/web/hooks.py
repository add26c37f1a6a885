"""POST /hooks/actionnetwork/{code}[/{secret}] and POST /hooks/generic/{code}.

Every answer is JSON; an error says why in `error`. The order of checks: content type (415),
size (413), petition (404), secret or HMAC (401), JSON (400), then each event on its own — the
good ones are stored, the bad ones listed under `rejected` with their index and reason (422 when
nothing at all could be kept). Nothing personal is logged, and nothing is stored unless the
request is authenticated and its body is JSON.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from aiohttp import web

from bot.domain.errors import StorageFull
from bot.domain.webhooks import SECRET_HEADER, SIGNATURE_HEADER, Kind, PayloadError
from bot.services.webhooks import WebhookRefused
from bot.web.app import CONTEXT

log = logging.getLogger(__name__)


def _error(status: int, reason: str) -> web.Response:
    return web.json_response({"error": reason}, status=status)


async def _receive(request: web.Request, kind: Kind) -> web.Response:
    context = request.app[CONTEXT]
    if request.content_type != "application/json":
        return _error(415, "the body must be JSON, sent with Content-Type: application/json")
    too_large = f"the body is larger than {context.max_bytes} bytes"
    if request.content_length is not None and request.content_length > context.max_bytes:
        return _error(413, too_large)
    try:
        body = await request.read()
    except web.HTTPRequestEntityTooLarge:
        return _error(413, too_large)
    secret = request.match_info.get("secret") or request.headers.get(SECRET_HEADER)
    try:
        target = await context.services.webhooks.authenticate(
            kind,
            request.match_info["code"],
            body,
            secret=secret,
            signature=request.headers.get(SIGNATURE_HEADER),
        )
    except WebhookRefused as exc:
        return _error(exc.status, str(exc))
    try:
        data: Any = json.loads(body)
    except json.JSONDecodeError as exc:
        return _error(400, f"the body is not valid JSON (line {exc.lineno}, column {exc.colno})")
    except ValueError:
        return _error(400, "the body is not valid JSON (not UTF-8 text)")
    try:
        result = await context.services.webhooks.accept(target, kind, data, len(body))
    except PayloadError as exc:
        return _error(400, str(exc))
    except StorageFull:  # nothing was kept: the site must send the events again
        log.error("webhook %s for petition %s: the disk is full, nothing stored", kind, target.code)
        return _error(
            503, "Rally's storage is full; nothing was stored, send the events again later"
        )
    metrics = context.metrics
    metrics.webhook_accepted.labels(kind).inc(result.accepted)
    metrics.webhook_duplicates.labels(kind).inc(result.duplicates)
    metrics.webhook_rejected.labels(kind).inc(len(result.rejected))
    nothing_kept = result.accepted == 0 and result.duplicates == 0 and bool(result.rejected)
    if result.rejected:
        log.info(
            "webhook %s for petition %s: %d accepted, %d rejected",
            kind,
            target.code,
            result.accepted,
            len(result.rejected),
        )
    return web.json_response(result.as_json(), status=422 if nothing_kept else 200)


def _handler(kind: Kind) -> Any:
    async def handle(request: web.Request) -> web.Response:
        metrics = request.app[CONTEXT].metrics
        started = time.perf_counter()
        try:
            response = await _receive(request, kind)
        except Exception:
            metrics.errors.labels("webhook").inc()
            log.exception("webhook %s request failed", kind)
            response = _error(500, "Rally could not store the events; send them again later")
        metrics.webhook_requests.labels(kind, str(response.status)).inc()
        metrics.webhook_answer_seconds.labels(kind).observe(time.perf_counter() - started)
        if response.status in (400, 401, 404, 413, 415):
            metrics.webhook_rejected.labels(kind).inc()
        return response

    return handle


def add_routes(app: web.Application) -> None:
    actionnetwork = _handler("actionnetwork")
    app.router.add_post("/hooks/actionnetwork/{code}", actionnetwork)
    app.router.add_post("/hooks/actionnetwork/{code}/{secret}", actionnetwork)
    app.router.add_post("/hooks/generic/{code}", _handler("generic"))
