"""Posted leaderboards: a board message in a channel, edited in place every N minutes.

Like `bot/drive_status.py`: the post (its channel, board, cadence, message id and when it is
next due) lives in the database, so a restarted bot edits the same message when it comes due.
The first send carries a nonce (Discord drops a repeat), so a crash between "sent" and
"remembered" does not post the board twice. A deleted message stops its post.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

import discord

from bot.db.leaderboard_posts import Post
from bot.ui.language import server_localizer
from bot.ui.leaderboards import board_embed

if TYPE_CHECKING:
    from bot.client import RallyBot

log = logging.getLogger(__name__)
PRUNE_EVERY = 60  # ticks between prunes of buckets no board shows


class LeaderboardPosts:
    def __init__(self, bot: RallyBot, *, poll_seconds: float = 5.0) -> None:
        self.bot = bot
        self.poll_seconds = poll_seconds
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._ticks = 0

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="rally-leaderboard-posts")

    async def stop(self) -> None:
        if self._task is not None:
            task, self._task = self._task, None
            async with self._lock:  # never cancel a refresh half-way through a transaction
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        await self.bot.wait_until_ready()
        with contextlib.suppress(Exception):
            await self.bot.services.leaderboards.sync_all_zones()
        while True:
            try:
                await self.refresh_due()
                self._ticks += 1
                if self._ticks % PRUNE_EVERY == 1:
                    await self.bot.services.leaderboards.prune()
            except Exception:
                log.exception("refreshing posted leaderboards failed; will try again")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll_seconds)
            self._wake.clear()

    async def refresh_due(self) -> int:
        """Post or edit every board that is due; how many were refreshed."""
        async with self._lock:
            done = 0
            for post in await self.bot.services.leaderboards.due_posts():
                try:
                    if await self._refresh(post):
                        done += 1
                except discord.HTTPException as exc:
                    log.warning("leaderboard post %s: %s; will retry", post.id, exc.status)
            return done

    async def _refresh(self, post: Post) -> bool:
        service = self.bot.services.leaderboards
        board = await service.post_content(post)
        if board is None:  # its petition or drive is gone
            await service.drop_post(post.id)
            return False
        tr = await server_localizer(self.bot.services, post.guild_id)
        embed = board_embed(tr, board)
        channel = self.bot.get_partial_messageable(post.channel_id, guild_id=post.guild_id)
        if post.message_id is not None:
            try:
                await channel.get_partial_message(post.message_id).edit(embed=embed)
            except discord.NotFound:
                await service.drop_post(post.id)
                log.info("leaderboard post %s stopped: its message was deleted", post.id)
                return False
            await service.posted(post, post.message_id)
            return True
        message = await channel.send(
            embed=embed,
            nonce=f"rally-lb{post.id}",
            allowed_mentions=discord.AllowedMentions.none(),
        )
        await service.posted(post, message.id)
        log.info("leaderboard post %s posted", post.id)
        return True
