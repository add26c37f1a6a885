"""``DiscordEmulator``: a loopback Discord (REST v10 + Gateway) for the real discord.py client."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from aiohttp import web

from .actions import MemberActions
from .commands import CommandRegistry
from .faults import Faults
from .gateway import GUILD_MEMBERS, Gateway
from .interactions import Interaction
from .messages import MessageFactory
from .openapi import OpenApiValidator, load_validator
from .ratelimits import RateLimits
from .rest import build_app
from .state import (
    DEFAULT_BOT_PERMISSIONS,
    DEFAULT_EVERYONE_PERMISSIONS,
    Attachment,
    Channel,
    Guild,
    Member,
    Message,
    Role,
    Snowflakes,
    User,
)


class DiscordEmulator(MemberActions):
    """Plays Discord for a bot over real HTTP and WebSocket on 127.0.0.1 (ephemeral port)."""

    def __init__(
        self,
        token: str = "emulator.bot.token",  # noqa: S107
        application_id: int | None = None,
        *,
        interaction_deadline: float = 3.0,
        token_lifetime: float = 15 * 60,
        openapi_path: Path | None = None,
        validate_openapi: bool = True,
        shard_count: int = 1,
        heartbeat_interval: float = 41.25,
        bot_name: str = "Rally",
        privileged_intents: int = 0,
    ) -> None:
        self.token = token
        self.snowflakes = Snowflakes()
        self.application_id = application_id or self.snowflakes.next()
        self.interaction_deadline = interaction_deadline
        self.token_lifetime = token_lifetime
        self.shard_count = shard_count
        self.bot_user = User(self.application_id, bot_name, bot=True)
        self.owner = User(self.snowflakes.next(), "owner")
        self.users: dict[int, User] = {self.bot_user.id: self.bot_user, self.owner.id: self.owner}
        self.guilds: dict[int, Guild] = {}
        self.channels: dict[int, Channel] = {}
        self.message_store: dict[int, Message] = {}
        self.channel_messages: dict[int, list[Message]] = {}
        self.files: dict[int, Attachment] = {}
        self.closed_dms: set[int] = set()
        self.nonces: dict[tuple[int, str], tuple[int, float]] = {}
        self.interactions: dict[int, Interaction] = {}
        self.interactions_by_token: dict[str, Interaction] = {}
        self.commands = CommandRegistry(self.application_id, self.snowflakes)
        self.faults = Faults()
        self.ratelimits = RateLimits()
        self.gateway = Gateway(self, heartbeat_interval=heartbeat_interval)
        self.gateway.granted_intents = privileged_intents
        self.message_factory = MessageFactory(self)
        self.openapi: OpenApiValidator | None = (
            load_validator(openapi_path) if validate_openapi else None
        )
        self.requests: list[tuple[str, str, int]] = []
        #: Every client address an API request came from: how many connections the bot opened.
        self.connections: set[object] = set()
        self.unhandled: list[tuple[str, str]] = []
        self.port = 0
        self._runner: web.AppRunner | None = None
        self._changed: asyncio.Event | None = None

    # --- lifecycle --------------------------------------------------------------------------

    async def start(self) -> None:
        self._changed = asyncio.Event()
        self.gateway._changed = asyncio.Event()
        self._runner = web.AppRunner(build_app(self), access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        for it in self.interactions.values():
            it._expiry.cancel()
        for conn in list(self.gateway.connections):
            await conn.close(1001, "Emulator stopping")
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> DiscordEmulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base(self) -> str:
        return f"{self.base_url}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    def attachment_url(self, channel_id: int, att: Attachment) -> str:
        return f"{self.base_url}/attachments/{channel_id}/{att.id}/{att.filename}"

    def grant_intents(self, intents: int) -> None:
        """Enable privileged intents in the "developer portal" (members 1<<1, presences 1<<8,
        message content 1<<15)."""
        self.gateway.granted_intents |= intents

    # --- world building ---------------------------------------------------------------------

    def create_user(
        self,
        name: str,
        *,
        created_at: datetime | None = None,
        locale: str = "en-US",
        bot: bool = False,
    ) -> User:
        user = User(
            self.snowflakes.next(created_at), name, global_name=name.title(), bot=bot, locale=locale
        )
        self.users[user.id] = user
        return user

    def create_guild(
        self,
        name: str,
        *,
        locale: str = "en-US",
        bot_permissions: int = DEFAULT_BOT_PERMISSIONS,
        everyone_permissions: int = DEFAULT_EVERYONE_PERMISSIONS,
    ) -> Guild:
        guild = Guild(self.snowflakes.next(), name, self.owner.id, locale=locale)
        guild.roles[guild.id] = Role(guild.id, guild.id, "@everyone", everyone_permissions, 0)
        bot_role = Role(
            self.snowflakes.next(),
            guild.id,
            self.bot_user.username,
            bot_permissions,
            1,
            managed=True,
            bot_id=self.bot_user.id,
        )
        guild.roles[bot_role.id] = bot_role
        guild.members[self.owner.id] = Member(guild.id, self.owner)
        guild.members[self.bot_user.id] = Member(guild.id, self.bot_user, [bot_role.id])
        self.guilds[guild.id] = guild
        for session in self.gateway.sessions.values():
            if self.gateway.shard_for(guild.id, session.shard[1]) == session.shard[0]:
                self.gateway._send_dispatch(
                    session, "GUILD_CREATE", self.guild_create_payload(guild, session.intents)
                )
        return guild

    def guild_create_payload(self, guild: Guild, intents: int) -> dict[str, Any]:
        if intents & GUILD_MEMBERS:
            members = list(guild.members.values())
        else:
            members = [guild.members[self.bot_user.id]]
        return guild.to_json(members=members)

    def create_channel(self, guild: Guild, name: str, *, topic: str | None = None) -> Channel:
        channel = Channel(self.snowflakes.next(), name, guild.id, 0, len(guild.channels), topic)
        guild.channels[channel.id] = channel
        self.channels[channel.id] = channel
        self.channel_messages[channel.id] = []
        self.gateway.dispatch("CHANNEL_CREATE", channel.to_json(), guild_id=guild.id)
        return channel

    def create_role(
        self,
        guild: Guild,
        name: str,
        *,
        permissions: int = 0,
        position: int | None = None,
        mentionable: bool = False,
        color: int = 0,
    ) -> Role:
        """Roles default below the bot's role; ``position`` >= the bot's puts them above it."""
        if position is None:
            position = 1
            for role in guild.roles.values():
                if role.id != guild.id and role.position >= 1:
                    role.position += 1
        role = Role(
            self.snowflakes.next(),
            guild.id,
            name,
            permissions,
            position,
            color,
            mentionable=mentionable,
        )
        guild.roles[role.id] = role
        self.gateway.dispatch(
            "GUILD_ROLE_CREATE",
            {"guild_id": str(guild.id), "role": role.to_json()},
            guild_id=guild.id,
        )
        return role

    def create_member(
        self,
        guild: Guild,
        name: str,
        *,
        roles: list[Role] | None = None,
        permissions: int | None = None,
        locale: str = "en-US",
        created_at: datetime | None = None,
        nick: str | None = None,
        accepts_dms: bool = True,
    ) -> Member:
        """A member; ``permissions`` overrides the role-computed permissions when given."""
        user = self.create_user(name, created_at=created_at, locale=locale)
        if not accepts_dms:
            self.closed_dms.add(user.id)
        member = Member(
            guild.id, user, [r.id for r in roles or []], nick, permissions_override=permissions
        )
        return self._add_member(guild, member)

    def join_guild(self, guild: Guild, user: User, *, roles: list[Role] | None = None) -> Member:
        """An existing user joins another server too: one account, a member in each (Discord's
        own model: one user id, a member object per guild with its own roles and nickname)."""
        if user.id in guild.members:
            raise ValueError(f"user {user.id} is already a member of guild {guild.id}")
        return self._add_member(guild, Member(guild.id, user, [r.id for r in roles or []]))

    def _add_member(self, guild: Guild, member: Member) -> Member:
        guild.members[member.user.id] = member
        data = {**member.to_json(), "guild_id": str(guild.id)}
        self.gateway.dispatch("GUILD_MEMBER_ADD", data, guild_id=guild.id)
        return member

    # --- messages ---------------------------------------------------------------------------

    def _notify(self) -> None:
        if self._changed is not None:
            self._changed.set()
            self._changed = asyncio.Event()

    def store_message(self, msg: Message) -> None:
        self.message_store[msg.id] = msg
        if not msg.ephemeral:
            self.channel_messages.setdefault(msg.channel_id, []).append(msg)
            channel = self.channels.get(msg.channel_id)
            if channel is not None:
                channel.last_message_id = msg.id
                self.gateway.dispatch(
                    "MESSAGE_CREATE",
                    msg.to_json(),
                    guild_id=channel.guild_id,
                    dm=channel.guild_id is None,
                )
        self._notify()

    def message_updated(self, msg: Message) -> None:
        channel = self.channels.get(msg.channel_id)
        if channel is not None and not msg.ephemeral:
            self.gateway.dispatch(
                "MESSAGE_UPDATE",
                msg.to_json(),
                guild_id=channel.guild_id,
                dm=channel.guild_id is None,
            )
        self._notify()

    def delete_message(self, msg: Message) -> None:
        msg.deleted = True
        channel = self.channels.get(msg.channel_id)
        if channel is not None and not msg.ephemeral:
            data = {"id": str(msg.id), "channel_id": str(msg.channel_id)}
            if channel.guild_id is not None:
                data["guild_id"] = str(channel.guild_id)
            self.gateway.dispatch(
                "MESSAGE_DELETE", data, guild_id=channel.guild_id, dm=channel.guild_id is None
            )
        self._notify()

    def messages(self, channel_id: int, *, include_deleted: bool = False) -> list[Message]:
        """Messages in a channel, oldest first (ephemeral ones are only on their interaction)."""
        found = self.channel_messages.get(int(channel_id), [])
        return [m for m in found if include_deleted or not m.deleted]

    async def wait_for_message(
        self,
        channel_id: int,
        predicate: Callable[[Message], bool] | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109
        *,
        after: int = 0,
    ) -> Message:
        """The first finished (not loading) message in the channel matching ``predicate``, waiting
        for it to be sent or edited into shape. ``after`` skips messages with smaller ids."""

        def find() -> Message | None:
            for msg in self.messages(channel_id):
                if msg.id > after and not msg.loading and (predicate is None or predicate(msg)):
                    return msg
            return None

        try:
            async with asyncio.timeout(timeout):
                while (found := find()) is None:
                    assert self._changed is not None
                    await self._changed.wait()
        except TimeoutError:
            seen = [m.content[:60] for m in self.messages(channel_id)]
            raise TimeoutError(
                f"no matching message in {channel_id} after {timeout}s; saw {seen}"
            ) from None
        return found

    def dm_channel(self, user_id: int) -> Channel:
        for channel in self.channels.values():
            if channel.type == 1 and channel.recipients[0].id == user_id:
                return channel
        channel = Channel(self.snowflakes.next(), "", None, 1, recipients=[self.users[user_id]])
        self.channels[channel.id] = channel
        self.channel_messages[channel.id] = []
        return channel

    def dms(self, user_id: int) -> list[Message]:
        """Messages the bot sent to this user in DMs."""
        for channel in self.channels.values():
            if channel.type == 1 and channel.recipients[0].id == int(user_id):
                return self.messages(channel.id)
        return []

    # --- gateway controls -------------------------------------------------------------------

    async def drop_gateway(self, *, resumable: bool = True) -> None:
        await self.gateway.drop(resumable=resumable)

    def stop_heartbeat_acks(self) -> None:
        self.gateway.acks_enabled = False

    def resume_heartbeat_acks(self) -> None:
        self.gateway.acks_enabled = True

    async def wait_for_gateway(
        self,
        *,
        identifies: int | None = None,
        resumes: int | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> None:
        """Wait for at least this many IDENTIFYs / RESUMEs, and a live session."""

        def done() -> bool:
            return (
                (identifies is None or self.gateway.identifies >= identifies)
                and (resumes is None or self.gateway.resumes >= resumes)
                and bool(self.gateway.live_sessions())
            )

        await self.gateway.wait_for(done, timeout)

    # --- assertions -------------------------------------------------------------------------

    def assert_no_unhandled(self) -> None:
        if self.unhandled:
            calls = ", ".join(f"{m} {p}" for m, p in self.unhandled)
            raise AssertionError(f"the bot called routes the emulator does not implement: {calls}")
