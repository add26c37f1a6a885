"""The composition root: `python -m bot [run | sync | backup PATH] [--sandbox]`.

Builds the settings, configures logging once, opens the store, builds the services and runs the
bot. Importing `bot` does none of this.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from pathlib import Path

from bot import keys_cli
from bot.config import Settings, SettingsError, load_settings
from bot.db import Database, DatabaseError, backup_database
from bot.logs import configure

log = logging.getLogger("bot")

OFFLINE_HELP = (
    "DISCORD_TOKEN is not set, so Rally cannot connect to Discord. Put your bot token in .env "
    "(see .env.example and the README's 'Create the Discord application'). Running the offline "
    "sandbox instead."
)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="rally", description="Rally: petition campaigns in Discord."
    )
    parser.add_argument("--sandbox", action="store_true", help="run offline against the emulator")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="run the bot (default)")
    sub.add_parser("sync", help="run the bot, forcing a sync of the slash commands")
    backup = sub.add_parser("backup", help="copy the live database to PATH")
    backup.add_argument("path", type=Path)
    keys_cli.add_parsers(sub)
    return parser.parse_args(argv)


def point_at_discord(settings: Settings) -> None:
    """Use another Discord (the local emulator) when the settings say so."""
    import discord
    import yarl

    if settings.discord_api_url is not None:
        discord.http.Route.BASE = str(settings.discord_api_url).rstrip("/")
    if settings.discord_gateway_url is not None:
        gateway = yarl.URL(str(settings.discord_gateway_url))
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = gateway


async def run_bot(settings: Settings, *, force_sync: bool) -> int:
    import discord

    from bot.client import RallyBot
    from bot.services import Services
    from bot.services.signers import SignerConfig

    assert settings.discord_token is not None
    point_at_discord(settings)
    db = Database(settings.database_path)
    await db.open()
    services = Services.build(
        db, signer_config=SignerConfig.from_settings(settings), limits=settings.abuse_limits()
    )
    bot = RallyBot(
        settings=settings, db=db, services=services, force_sync=force_sync, freeze_heap=True
    )
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, lambda: asyncio.ensure_future(bot.close()))
    try:
        async with bot:
            await bot.start(settings.discord_token.get_secret_value())
    except discord.LoginFailure:
        print(
            "rally: Discord refused DISCORD_TOKEN (401 Unauthorized): copy the token again from "
            "the developer portal (Bot → Reset Token).",
            file=sys.stderr,
        )
        return 2
    except discord.PrivilegedIntentsRequired:
        print("rally: Discord refused the gateway intents Rally asked for.", file=sys.stderr)
        return 2
    log.info("stopped cleanly")
    return 0


async def run_sandbox(settings: Settings) -> int:
    from bot.sandbox.demo import run_demo

    code: int = await run_demo(settings)
    return code


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    handled = keys_cli.run(args)  # `keys new`, `keys reseal`, `export`: an organizer's machine
    if handled is not None:
        return handled
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"rally: {exc}", file=sys.stderr)
        return 2
    configure(settings.log_level)
    try:
        if args.command == "keys":  # the rotation's host-side steps
            return keys_cli.run_on_host(args, settings)
        if args.command == "backup":
            asyncio.run(backup_database(settings.database_path, args.path))
            print(f"backup written to {args.path}")
            return 0
        if args.sandbox:
            return asyncio.run(run_sandbox(settings))
        if settings.discord_token is None:
            print(OFFLINE_HELP, file=sys.stderr)
            return asyncio.run(run_sandbox(settings))
        return asyncio.run(run_bot(settings, force_sync=args.command == "sync"))
    except DatabaseError as exc:
        print(f"rally: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
