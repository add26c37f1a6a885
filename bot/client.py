"""RallyBot: the discord.py client, its extensions, command sync and clean shutdown."""

from __future__ import annotations

import asyncio
import gc
import hashlib
import json
import logging
import pkgutil
from typing import Any

import aiohttp
import discord
from discord.ext import commands

import cogs
from bot.activity import Activity
from bot.command_i18n import RallyTranslator
from bot.config import Settings
from bot.db import Database, meta
from bot.domain.clock import Clock, utcnow
from bot.drive_status import DriveStatusMessages
from bot.interactions import BEHIND_WORKERS
from bot.leaderboard_posts import LeaderboardPosts
from bot.live import LiveMessages
from bot.metrics import Metrics
from bot.outbox import AnnouncementDispatcher
from bot.scheduler import DriveScheduler
from bot.services import Services
from bot.services.webhooks import Processed, WebhookWorker
from bot.tree import RallyTree
from bot.ui.drive_views import DRIVE_ITEMS
from bot.ui.petition_views import PERSISTENT_ITEMS
from bot.ui.reviews import REVIEW_ITEMS
from bot.web.app import WebContext, WebServer

log = logging.getLogger(__name__)


def extension_names() -> list[str]:
    """Every module in `cogs/` is an extension with a `setup()`, except private ones (`_name`):
    those hold commands another cog includes (`cogs/_coalitions.py` for `/petition`)."""
    return sorted(
        f"cogs.{info.name}"
        for info in pkgutil.iter_modules(cogs.__path__)
        if not info.name.startswith("_")
    )


#: The HTTP pool's size. discord.py's own is unbounded: a burst of 1,000 clicks opened 1,000
#: connections (against Discord, 1,000 TLS handshakes). At 100, a burst of 5,000 clicks queued
#: its acknowledgements for a free connection: handled at ~2,000 a second, they reached Discord
#: in one late bunch (half past 3.5 s where the unbounded bare bot's were spread from 1 s on).
#: Each request takes a round trip, so a pool of N answers at most N per round trip: 400 keeps
#: pace with the bot's own rate at a round trip of up to ~0.2 s.
HTTP_CONNECTIONS = 400


def freeze_startup_objects() -> int:
    """Take what start-up left alive (modules, classes, commands, translations: ~90,000 objects)
    out of the garbage collector's full passes (`gc.freeze`); returns how many.

    A full pass walks every tracked object. Measured in `make bench`'s surge of 100 clicks, one
    pass over Rally's start-up objects fell in the middle of the burst and cost ~65 ms of the
    ~250 ms it took to answer everyone; with them frozen it walks only what was made since.
    Frozen objects are never freed — nothing of start-up is meant to be."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


def bot_intents() -> discord.Intents:
    """Guilds only: Rally needs no privileged intent (no members, presences or message content)."""
    intents = discord.Intents.none()
    intents.guilds = True
    return intents


class RallyBot(commands.AutoShardedBot):
    def __init__(
        self,
        *,
        settings: Settings,
        db: Database,
        services: Services,
        clock: Clock = utcnow,
        force_sync: bool = False,
        freeze_heap: bool = False,
        **options: Any,
    ) -> None:
        """`freeze_heap`: `freeze_startup_objects()` at the end of `setup_hook` — for the bot's
        own process (`python -m bot`), not for a test process that starts many bots."""
        options.setdefault("guild_ready_timeout", 2.0)
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=bot_intents(),
            allowed_mentions=discord.AllowedMentions.none(),
            tree_cls=RallyTree,
            help_command=None,
            **options,
        )
        self.settings = settings
        self.db = db
        self.services = services
        services.public_pages.base_url = settings.public_page_base
        self.clock = clock
        self.force_sync = force_sync
        self.freeze_heap = freeze_heap
        self.synced_commands = False
        self.live = LiveMessages(self, interval=settings.live_refresh_seconds)
        self.announcer = AnnouncementDispatcher(self, poll_seconds=settings.outbox_poll_seconds)
        self.drive_status = DriveStatusMessages(self, interval=settings.live_refresh_seconds)
        self.drives_scheduler = DriveScheduler(self, poll_seconds=settings.outbox_poll_seconds)
        self.leaderboard_posts = LeaderboardPosts(self, poll_seconds=settings.outbox_poll_seconds)
        self.metrics = Metrics()
        self.interaction_activity = Activity()
        self.behind = asyncio.Semaphore(BEHIND_WORKERS)  # see `bot.interactions.in_time`
        self.webhooks = WebhookWorker(
            services.webhooks,
            poll_seconds=settings.outbox_poll_seconds,
            on_batch=self._webhook_batch,
            on_error=lambda _: self.metrics.errors.labels("webhook").inc(),
        )
        self.web: WebServer | None = None

    async def login(self, token: str) -> None:
        if self.http.connector is discord.utils.MISSING:
            # Bounded, so that a burst reuses connections (see `HTTP_CONNECTIONS`).
            self.http.connector = aiohttp.TCPConnector(limit=HTTP_CONNECTIONS)
        await super().login(token)

    async def setup_hook(self) -> None:
        if not self.db.is_open:
            await self.db.open()
        await self.tree.set_translator(RallyTranslator())
        for name in extension_names():
            await self.load_extension(name)
        self.add_dynamic_items(*PERSISTENT_ITEMS, *DRIVE_ITEMS, *REVIEW_ITEMS)
        self.live.start()
        self.announcer.start()
        self.drive_status.start()
        self.drives_scheduler.start()
        self.leaderboard_posts.start()
        self.webhooks.start()
        if self.settings.web_port is not None:
            self.web = WebServer(
                self.web_context(), host=self.settings.web_host, port=self.settings.web_port
            )
            await self.web.start()
        self.synced_commands = await self.sync_commands(force=self.force_sync)
        if self.freeze_heap:
            frozen = freeze_startup_objects()
            log.debug("%d start-up objects frozen out of the garbage collector", frozen)

    def _sync_target(self) -> discord.Object | None:
        if self.settings.dev_guild_id is None:
            return None
        guild = discord.Object(self.settings.dev_guild_id)
        self.tree.copy_global_to(guild=guild)
        return guild

    async def tree_digest(self, guild: discord.abc.Snowflake | None) -> str:
        commands_ = self.tree._get_all_commands(guild=guild)
        translator = self.tree.translator
        if translator is not None:
            payload = [await c.get_translated_payload(self.tree, translator) for c in commands_]
        else:
            payload = [c.to_dict(self.tree) for c in commands_]
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()

    async def sync_commands(self, *, force: bool = False) -> bool:
        """Sync the command tree when it changed since the last sync (or when forced)."""
        guild = self._sync_target()
        key = f"command_tree:{guild.id if guild else 'global'}"
        digest = await self.tree_digest(guild)
        async with self.db.read() as conn:
            stored = await meta.get(conn, key)
        if stored == digest and not force:
            log.info("command tree unchanged; not syncing")
            return False
        await self.tree.sync(guild=guild)
        async with self.db.transaction() as conn:
            await meta.put(conn, key, digest)
        log.info("command tree synced to %s", "the dev server" if guild else "all servers")
        return True

    def signatures_changed(self, petition_id: int, announcements: list[int]) -> None:
        """After a count changed: refresh the petition's messages, send what was queued."""
        self.live.touch_petition(petition_id)
        self.drive_status.touch_petition(petition_id)
        if announcements:
            self.announcer.wake()

    def web_context(self) -> WebContext:
        return WebContext(
            db=self.db,
            services=self.services,
            metrics=self.metrics,
            gateway_ok=lambda: self.is_ready() and not self.is_closed(),
            max_bytes=self.settings.webhook_max_bytes,
            max_backlog=self.settings.health_max_backlog,
        )

    def _webhook_batch(self, processed: Processed) -> None:
        self.metrics.webhook_processed.labels("counted").inc(processed.counted)
        self.metrics.webhook_processed.labels("duplicate").inc(processed.duplicates)
        self.metrics.webhook_processed.labels("dropped").inc(processed.dropped)
        if processed.counted:
            self.signatures_changed(processed.petition_id, processed.announcements)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        self.interaction_activity.touch()
        self.metrics.interactions.labels(interaction.type.name).inc()

    async def close(self) -> None:
        try:
            if self.web is not None:
                await self.web.stop()
            await self.webhooks.stop()
            await self.drives_scheduler.stop()
            await self.leaderboard_posts.stop()
            await self.announcer.stop()
            await self.live.stop()
            await self.drive_status.stop()
            await self.services.imports.settled()
            self.services.images.close()
            await super().close()
        finally:
            await self.db.close()
