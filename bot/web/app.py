"""The aiohttp application and its runner: built from what the handlers need, started and stopped
by the bot (`RallyBot.setup_hook`/`close`) — or by a test, on an ephemeral port (`port=0`)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web

from bot.db import Database
from bot.metrics import Metrics
from bot.services import Services

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WebContext:
    db: Database
    services: Services
    metrics: Metrics
    #: Is the Discord gateway connected? (for /healthz)
    gateway_ok: Callable[[], bool]
    max_bytes: int = 2 * 1024 * 1024
    #: /healthz says 503 above this many waiting webhook events or announcements.
    max_backlog: int = 10_000


CONTEXT = web.AppKey("rally", WebContext)


def build_app(context: WebContext) -> web.Application:
    from bot.web import health, hooks, pages

    app = web.Application(client_max_size=context.max_bytes)
    app[CONTEXT] = context
    hooks.add_routes(app)
    health.add_routes(app)
    pages.add_routes(app)
    return app


class WebServer:
    """Runs the app on `host`:`port` (0: any free port; `port` tells which after `start`)."""

    def __init__(self, context: WebContext, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.context = context
        self.host = host
        self.requested_port = port
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None

    @property
    def port(self) -> int:
        if self._runner is None or not self._runner.addresses:
            return self.requested_port
        return int(self._runner.addresses[0][1])

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self) -> None:
        runner = web.AppRunner(
            build_app(self.context), access_log=None, handle_signals=False, shutdown_timeout=2.0
        )
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.requested_port)
        try:
            await site.start()
        except OSError:
            await runner.cleanup()
            raise
        self._runner, self._site = runner, site
        log.info("web server listening on %s:%s", self.host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            runner, self._runner, self._site = self._runner, None, None
            await runner.cleanup()
