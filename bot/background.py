"""The bot's background loops, in one place: start, stop without cutting a step in half, wake.

- `Poller`: runs `tick()` when woken or every `interval` seconds (the outbox, the scheduler).
- `Coalescer`: collects touched keys and handles each once per `interval`, however often it was
  touched (message refreshers), flushing what is left when it stops.

Subclasses take `self.lock` around each step; `stop()` takes it too before cancelling, so a stop
does not interrupt a step half-way (unless the step hangs past its patience).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from bot.client import RallyBot

log = logging.getLogger(__name__)
K = TypeVar("K", int, str)


class BackgroundLoop:
    name = "rally-background"

    def __init__(self, bot: RallyBot, *, interval: float) -> None:
        self.bot = bot
        self.interval = interval
        self.lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self, *, patience: float = 5.0) -> None:
        """Stop after the current step (waiting at most `patience` seconds for it: a step
        stuck on Discord is cancelled, which transactions survive)."""
        if self._task is not None:
            task, self._task = self._task, None
            self._stopping = True  # a cancellation swallowed by a racing wait still ends the loop
            self._wake.set()
            try:
                await asyncio.wait_for(self.lock.acquire(), timeout=patience)
            except TimeoutError:
                task.cancel()
            else:
                task.cancel()
                self.lock.release()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        await self.bot.wait_until_ready()
        while not self._stopping:
            await self._cycle()

    async def _cycle(self) -> None:
        raise NotImplementedError


class Poller(BackgroundLoop):
    async def tick(self) -> object:
        raise NotImplementedError

    async def _cycle(self) -> None:
        try:
            await self.tick()
        except Exception:
            log.exception("%s failed; will try again", self.name)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self.interval):
                await self._wake.wait()
        self._wake.clear()


class Coalescer(BackgroundLoop, Generic[K]):
    def __init__(self, bot: RallyBot, *, interval: float) -> None:
        super().__init__(bot, interval=interval)
        self._touched: set[K] = set()

    def touch(self, key: K) -> None:
        self._touched.add(key)
        self._wake.set()

    async def refresh(self, key: K) -> None:
        raise NotImplementedError

    async def _cycle(self) -> None:
        await self._wake.wait()
        if self._stopping:
            return
        await asyncio.sleep(self.interval)
        self._wake.clear()
        await self.flush()

    async def flush(self) -> None:
        """Handle every touched key once, now."""
        async with self.lock:
            touched, self._touched = self._touched, set()
            for key in sorted(touched):
                try:
                    await self.refresh(key)
                except Exception:
                    log.exception("%s: refreshing %s failed", self.name, key)

    async def stop(self, *, patience: float = 5.0) -> None:
        await super().stop(patience=patience)
        if self._touched:
            await self.flush()
