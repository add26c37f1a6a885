"""The render cache: one render per distinct image, however many ask at once."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.ui.images.cache import RenderCache, RenderKey, count_bucket, fingerprint


def key(bucket: int = 670, petition_id: int = 1, kind: str = "card") -> RenderKey:
    return RenderKey(petition_id, kind, "en", bucket, fingerprint("title", None))


async def test_500_concurrent_requests_render_once() -> None:
    rendered: list[RenderKey] = []
    cache = RenderCache(on_render=rendered.append)
    release = asyncio.Event()

    async def produce() -> bytes:
        await release.wait()  # every request arrives while this render is in flight
        return b"png"

    async def release_last() -> bytes:
        # Tasks start in order: by now all 500 requests have reached the cache.
        release.set()
        return b""

    *results, _ = await asyncio.gather(
        *(cache.get(key(), produce) for _ in range(500)), release_last()
    )
    assert results == [b"png"] * 500
    assert rendered == [key()] and cache.renders == 1
    assert cache.joined == 499
    assert await cache.get(key(), produce) == b"png"
    assert cache.renders == 1 and cache.hits == 1


async def test_each_distinct_key_renders_once() -> None:
    cache = RenderCache()
    counts: dict[int, int] = {}

    def producer(bucket: int) -> Callable[[], Awaitable[bytes]]:
        async def produce() -> bytes:
            counts[bucket] = counts.get(bucket, 0) + 1
            return str(bucket).encode()

        return produce

    buckets = [670, 680, 690] * 100
    results = await asyncio.gather(
        *(cache.get(key(bucket), producer(bucket)) for bucket in buckets)
    )
    assert results == [str(bucket).encode() for bucket in buckets]
    assert counts == {670: 1, 680: 1, 690: 1}
    assert cache.renders == 3


async def test_a_failed_render_reaches_every_waiter_and_is_not_cached() -> None:
    cache = RenderCache()
    release = asyncio.Event()

    async def broken() -> bytes:
        await release.wait()
        raise RuntimeError("font missing")

    async def release_last() -> bytes:
        release.set()
        return b""

    *outcomes, _ = await asyncio.gather(
        *(cache.get(key(), broken) for _ in range(10)), release_last(), return_exceptions=True
    )
    assert len(outcomes) == 10
    assert all(isinstance(outcome, RuntimeError) for outcome in outcomes)
    assert cache.renders == 1 and len(cache) == 0

    async def fixed() -> bytes:
        return b"ok"

    assert await cache.get(key(), fixed) == b"ok"
    assert cache.renders == 2


async def test_a_cancelled_waiter_does_not_cancel_the_render() -> None:
    cache = RenderCache()
    release = asyncio.Event()

    async def produce() -> bytes:
        await release.wait()
        return b"png"

    first = asyncio.ensure_future(cache.get(key(), produce))

    async def cancel_first_then_release() -> bytes:
        first.cancel()  # it is waiting on the render it started
        release.set()
        return b""

    second, _ = await asyncio.gather(cache.get(key(), produce), cancel_first_then_release())
    assert second == b"png"
    with pytest.raises(asyncio.CancelledError):
        await first
    assert cache.peek(key()) == b"png" and cache.renders == 1


async def test_the_lru_is_bounded_by_entries_and_bytes() -> None:
    cache = RenderCache(max_entries=3, max_bytes=10)

    def constant(data: bytes) -> Callable[[], Awaitable[bytes]]:
        async def produce() -> bytes:
            return data

        return produce

    for bucket in range(5):
        await cache.get(key(bucket), constant(b"ab"))
    assert len(cache) == 3
    assert cache.peek(key(0)) is None and cache.peek(key(4)) == b"ab"
    await cache.get(key(2), constant(b""))  # a hit: 2 is now newest
    await cache.get(key(9), constant(b"123456789"))
    assert cache.size <= 10
    assert cache.peek(key(9)) is not None and cache.peek(key(3)) is None
    await cache.get(key(10), constant(b"x" * 11))  # too big to keep
    assert cache.peek(key(10)) is None


async def test_run_renders_in_a_worker_thread() -> None:
    cache = RenderCache(workers=1)
    try:
        ident = await cache.run(threading.get_ident)
        assert ident != threading.get_ident()
        assert await cache.run(pow, 2, 10) == 1024
    finally:
        cache.close()


@pytest.mark.parametrize(
    ("total", "bucket"),
    [
        (0, 0),
        (7, 7),
        (99, 99),
        (100, 100),
        (678, 670),
        (679, 670),
        (1_234, 1_200),
        (98_765, 98_000),
    ],
)
def test_count_buckets(total: int, bucket: int) -> None:
    assert count_bucket(total) == bucket


@given(st.integers(min_value=0, max_value=10**9))
def test_a_bucket_is_never_far_behind_the_count(total: int) -> None:
    bucket = count_bucket(total)
    assert bucket <= total
    assert total - bucket <= max(0, total // 10)
    assert count_bucket(bucket) == bucket
    assert count_bucket(total + 1) >= bucket
