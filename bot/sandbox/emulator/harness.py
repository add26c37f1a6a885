"""Point the real discord.py client at a running :class:`DiscordEmulator`."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, TypeVar

import discord
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

if TYPE_CHECKING:
    from .emulator import DiscordEmulator

ClientT = TypeVar("ClientT", bound=discord.Client)


@contextlib.contextmanager
def pointed_at(emu: DiscordEmulator) -> Iterator[None]:
    """Route discord.py's REST base and default gateway to the emulator (restored on exit)."""
    old_base, old_gateway = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    Route.BASE = emu.api_base
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(emu.gateway_url)
    try:
        yield
    finally:
        Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = old_base, old_gateway


@contextlib.asynccontextmanager
async def running_client(
    client: ClientT,
    emu: DiscordEmulator,
    *,
    token: str | None = None,
    ready_timeout: float = 10.0,
) -> AsyncIterator[ClientT]:
    """Log ``client`` in to the emulator, connect, wait for ``on_ready``; close on exit.

    Login errors (``discord.LoginFailure``) and connection errors (e.g.
    ``discord.PrivilegedIntentsRequired``) are raised from the ``async with``.
    """
    with pointed_at(emu):
        try:
            await client.login(token if token is not None else emu.token)
        except BaseException:
            await client.close()
            raise
        task = asyncio.create_task(client.connect(), name="emulated-discord-client")
        ready = asyncio.create_task(client.wait_until_ready())
        try:
            done, _ = await asyncio.wait(
                {task, ready}, timeout=ready_timeout, return_when=asyncio.FIRST_COMPLETED
            )
            if task in done:
                ready.cancel()
                error = task.exception()
                raise error if error is not None else RuntimeError("client stopped before ready")
            if ready not in done:
                ready.cancel()
                raise TimeoutError(f"client not ready within {ready_timeout}s")
            yield client
        finally:
            await client.close()
            if not task.done():
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(asyncio.shield(task), 5.0)
            if task.done() and not task.cancelled():
                task.exception()  # retrieved: errors after close are not interesting
