"""`python -m bench.floor`: the floor bot as its own process, until SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import signal

from bench.floor import FloorBot
from bot.__main__ import point_at_discord
from bot.config import Settings


async def main() -> None:
    settings = Settings()
    assert settings.discord_token is not None, "DISCORD_TOKEN is not set"
    point_at_discord(settings)
    bot = FloorBot()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, lambda: asyncio.ensure_future(bot.close()))
    async with bot:
        await bot.start(settings.discord_token.get_secret_value())


if __name__ == "__main__":
    asyncio.run(main())
