"""Rendering off the event loop, once per distinct image.

A surge of Share clicks asks for the same card hundreds of times a minute while the count moves.
`RenderCache` makes that a handful of renders:

- the key holds what the image shows: the petition, the kind of image, the language, a
  fingerprint of its text and settings, and the count *bucket* (`count_bucket`), so a card is
  re-rendered when the count moves by about 1 % — not on every signature;
- concurrent requests for a key that is being rendered wait for that one render (coalescing);
- finished images live in a bounded LRU (by entries and by bytes);
- rendering itself runs in a small thread pool (`run`), never on the event loop.

The cache belongs to one event loop (the bot's).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import ParamSpec, TypeVar

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

MAX_ENTRIES = 256
MAX_BYTES = 64 * 1024 * 1024
WORKERS = 2


def count_bucket(total: int) -> int:
    """The start of the bucket `total` falls in: exact below 100, then two significant digits.

    0–99 → itself; 100–999 → steps of 10; 1,000–9,999 → steps of 100; and so on, so an image
    is at most about 1 % (10 % below 1,000) behind the live count, and 100 buckets cover a decade.
    """
    if total < 100:
        return max(total, 0)
    step = int(10 ** (len(str(total)) - 2))
    return total // step * step


def fingerprint(*parts: object) -> str:
    """A short stable digest of everything (besides the count) an image shows."""
    return hashlib.blake2b(repr(parts).encode(), digest_size=8).hexdigest()


@dataclass(frozen=True, slots=True)
class RenderKey:
    petition_id: int
    kind: str
    language: str
    bucket: int
    variant: str = ""


class RenderCache:
    """Coalescing, bounded LRU of rendered images, with the thread pool that renders them.

    `renders` counts the images actually produced; `on_render` (if given) is called with the key
    of each, before it starts — tests count renders with it, operators can log them.
    """

    def __init__(
        self,
        *,
        max_entries: int = MAX_ENTRIES,
        max_bytes: int = MAX_BYTES,
        workers: int = WORKERS,
        on_render: Callable[[RenderKey], None] | None = None,
    ) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.workers = workers
        self.on_render = on_render
        self.renders = 0
        self.hits = 0
        self.joined = 0
        self._entries: OrderedDict[RenderKey, bytes] = OrderedDict()
        self._size = 0
        self._inflight: dict[RenderKey, asyncio.Task[bytes]] = {}
        self._executor: ThreadPoolExecutor | None = None

    # -- the pool ----------------------------------------------------------------------------
    async def run(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """`fn(*args, **kwargs)` in the render thread pool."""
        if self._executor is None:
            self._executor = ThreadPoolExecutor(
                max_workers=self.workers, thread_name_prefix="rally-render"
            )
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, partial(fn, *args, **kwargs))

    def close(self) -> None:
        """Stop the pool (renders already running finish) and drop what is cached."""
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
        self.clear()

    # -- the cache ---------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._entries)

    @property
    def size(self) -> int:
        """Bytes held."""
        return self._size

    def clear(self) -> None:
        self._entries.clear()
        self._size = 0

    def peek(self, key: RenderKey) -> bytes | None:
        return self._entries.get(key)

    async def get(self, key: RenderKey, produce: Callable[[], Awaitable[bytes]]) -> bytes:
        """The image for `key`: cached, or being rendered (join it), or `produce()` it now.

        A waiter that is cancelled does not cancel the render the others are waiting for. When
        `produce` fails, every waiter gets the error and nothing is cached.
        """
        found = self._entries.get(key)
        if found is not None:
            self._entries.move_to_end(key)
            self.hits += 1
            return found
        task = self._inflight.get(key)
        if task is None:
            task = asyncio.ensure_future(self._produce(key, produce))
            self._inflight[key] = task
            task.add_done_callback(partial(self._finished, key))
        else:
            self.joined += 1
        return await asyncio.shield(task)

    async def _produce(self, key: RenderKey, produce: Callable[[], Awaitable[bytes]]) -> bytes:
        self.renders += 1
        if self.on_render is not None:
            self.on_render(key)
        data = await produce()
        self._store(key, data)
        return data

    def _finished(self, key: RenderKey, task: asyncio.Task[bytes]) -> None:
        if self._inflight.get(key) is task:
            del self._inflight[key]
        if not task.cancelled() and task.exception() is not None:
            log.warning("rendering %s %s failed", key.kind, key.petition_id)

    def _store(self, key: RenderKey, data: bytes) -> None:
        if len(data) > self.max_bytes:
            return
        old = self._entries.pop(key, None)
        if old is not None:
            self._size -= len(old)
        self._entries[key] = data
        self._size += len(data)
        while len(self._entries) > self.max_entries or self._size > self.max_bytes:
            _, dropped = self._entries.popitem(last=False)
            self._size -= len(dropped)
