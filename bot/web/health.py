"""GET /healthz (200 or 503 with what was checked) and GET /metrics (Prometheus text format)."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from bot.db import webhooks as hooks_db
from bot.db.database import DatabaseError
from bot.web.app import CONTEXT, WebContext

log = logging.getLogger(__name__)
DB_TIMEOUT = 2.0


async def _backlogs(context: WebContext) -> tuple[int, int]:
    async with context.db.read() as conn:
        webhook = await hooks_db.backlog(conn)
    return webhook, await context.services.milestones.pending_count()


async def healthz(request: web.Request) -> web.Response:
    context = request.app[CONTEXT]
    database = True
    webhook = outbox = -1
    try:
        webhook, outbox = await asyncio.wait_for(_backlogs(context), DB_TIMEOUT)
    except (TimeoutError, DatabaseError, OSError, ValueError) as exc:
        log.warning("health check: the database did not answer (%s)", type(exc).__name__)
        database = False
    gateway = context.gateway_ok()
    healthy = (
        database and gateway and webhook <= context.max_backlog and outbox <= context.max_backlog
    )
    body = {
        "status": "ok" if healthy else "unhealthy",
        "database": database,
        "gateway": gateway,
        "webhook_backlog": webhook,
        "outbox_pending": outbox,
    }
    return web.json_response(body, status=200 if healthy else 503)


async def metrics(request: web.Request) -> web.Response:
    context = request.app[CONTEXT]
    m = context.metrics
    try:
        webhook, outbox = await asyncio.wait_for(_backlogs(context), DB_TIMEOUT)
        m.webhook_backlog.set(webhook)
        m.outbox_pending.set(outbox)
        await m.refresh_signatures(context.db.path)
    except Exception:
        m.errors.labels("metrics").inc()
        log.exception("metrics: reading the database failed")
    return web.Response(body=m.exposition(), headers={"Content-Type": m.content_type})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
