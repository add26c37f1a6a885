"""Waiting for a lull in members' interactions before work that can wait (announcements)."""

from __future__ import annotations

import asyncio
import time

from bot.activity import Activity


async def test_with_no_interaction_the_lull_is_now() -> None:
    started = time.monotonic()
    await Activity().lull(quiet=1.0, longest=5.0)
    assert time.monotonic() - started < 0.05


async def test_the_lull_comes_quiet_seconds_after_the_last_interaction() -> None:
    activity = Activity()
    activity.touch()
    started = time.monotonic()
    await activity.lull(quiet=0.2, longest=5.0)
    assert 0.18 <= time.monotonic() - started < 0.5


async def test_steady_interactions_delay_it_at_most_longest() -> None:
    activity = Activity()

    async def clicks() -> None:
        while True:
            activity.touch()
            await asyncio.sleep(0.01)

    clicking = asyncio.create_task(clicks())
    await asyncio.sleep(0)  # the first click is in
    try:
        started = time.monotonic()
        await activity.lull(quiet=0.1, longest=0.3)
        waited = time.monotonic() - started
    finally:
        clicking.cancel()
    assert 0.28 <= waited < 0.6
