"""Interactions as a member performs them, their 3-second/15-minute lifecycle, and test handles."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from .limits import ApiError, check_autocomplete, check_modal, prefixed
from .state import FLAG_EPHEMERAL, Channel, Guild, Member, Message

if TYPE_CHECKING:
    from .emulator import DiscordEmulator

T = TypeVar("T")

PING, APPLICATION_COMMAND, COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 1, 2, 3, 4, 5


class InteractionFailed(AssertionError):
    """The bot did not answer in time: the member sees "This interaction failed"."""


@dataclass(frozen=True)
class Deferred:
    """Marker returned by :meth:`Interaction.response` for callback types 5 and 6."""

    type: int
    ephemeral: bool = False


class Interaction:
    """A handle on one interaction a test member performed."""

    def __init__(
        self,
        emu: DiscordEmulator,
        *,
        kind: int,
        guild: Guild,
        channel: Channel,
        member: Member,
        data: dict[str, Any],
        source: Message | None = None,
        locale: str | None = None,
    ) -> None:
        self.emu = emu
        self.id = emu.snowflakes.next()
        self.token = "aW50ZXJhY3Rpb24" + secrets.token_urlsafe(48)
        self.type = kind
        self.guild = guild
        self.channel = channel
        self.member = member
        self.data = data
        self.source = source
        self.locale = locale or member.user.locale
        loop = asyncio.get_running_loop()
        self.created = loop.time()
        self.response_type: int | None = None
        self.failed = False
        self.ephemeral = False
        self.modal: dict[str, Any] | None = None
        self.choices: list[dict[str, Any]] | None = None
        self.original_id: int | None = None
        self.followups: list[Message] = []
        self._changed = asyncio.Event()
        self._expiry = loop.call_later(emu.interaction_deadline, self._expire)

    # --- waiting ----------------------------------------------------------------------------

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_until(
        self,
        predicate: Callable[[], T | None],
        timeout: float | None = None,  # noqa: ASYNC109
    ) -> T:
        """Wait (event-driven, no polling) until ``predicate()`` returns something truthy."""
        limit = timeout if timeout is not None else self.emu.interaction_deadline + 2.0
        try:
            async with asyncio.timeout(limit):
                while not (result := predicate()):
                    if self.failed:
                        raise InteractionFailed(f"{self!r}: This interaction failed")
                    await self._changed.wait()
        except TimeoutError:
            raise TimeoutError(f"{self!r}: timed out after {limit}s") from None
        return result

    def _expire(self) -> None:
        if self.response_type is None:
            self.failed = True
            self._notify()

    @property
    def acknowledged(self) -> bool:
        return self.response_type is not None

    @property
    def original(self) -> Message | None:
        """The current state of the original response message (after edits), if any."""
        return None if self.original_id is None else self.emu.message_store.get(self.original_id)

    async def response(self, timeout: float | None = None) -> Any:  # noqa: ASYNC109
        """The initial response: a Message (4, 7), :class:`Deferred` (5, 6), the modal dict (9)
        or the autocomplete choices (8). Raises :class:`InteractionFailed` past the deadline."""
        await self.wait_until(lambda: self.response_type is not None, timeout)
        kind = self.response_type
        if kind in (4, 7):
            return self.original
        if kind in (5, 6):
            return Deferred(kind, self.ephemeral)
        if kind == 9:
            return self.modal
        return self.choices

    async def wait_original(self, timeout: float | None = None) -> Message:  # noqa: ASYNC109
        """The original response once it has content (after a deferral, once it is edited)."""

        def ready() -> Message | None:
            msg = self.original
            return msg if msg is not None and not msg.loading else None

        return await self.wait_until(ready, timeout)

    async def wait_followup(self, n: int = 1, timeout: float | None = None) -> Message:  # noqa: ASYNC109
        """The ``n``-th follow-up (1-based), once it exists."""
        await self.wait_until(lambda: len(self.followups) >= n, timeout)
        return self.followups[n - 1]

    async def wait_failed(self, timeout: float | None = None) -> None:  # noqa: ASYNC109
        limit = timeout if timeout is not None else self.emu.interaction_deadline + 2.0
        async with asyncio.timeout(limit):
            while not self.failed:
                await self._changed.wait()

    def __repr__(self) -> str:
        name = self.data.get("name") or self.data.get("custom_id")
        return f"<Interaction id={self.id} type={self.type} {name!r} response={self.response_type}>"

    # --- payload ----------------------------------------------------------------------------

    def payload(self) -> dict[str, Any]:
        guild, member = self.guild, self.member
        bot_member = guild.members[self.emu.bot_user.id]
        data: dict[str, Any] = {
            "id": str(self.id),
            "application_id": str(self.emu.application_id),
            "type": self.type,
            "token": self.token,
            "version": 1,
            "guild_id": str(guild.id),
            "guild": {"id": str(guild.id), "locale": guild.locale, "features": []},
            "guild_locale": guild.locale,
            "locale": self.locale,
            "channel_id": str(self.channel.id),
            "channel": self.channel.to_json(),
            "member": member.to_json(guild.permissions_for(member)),
            "app_permissions": str(guild.permissions_for(bot_member)),
            "entitlements": [],
            "entitlement_sku_ids": [],
            "authorizing_integration_owners": {"0": str(guild.id)},
            "context": 0,
            "attachment_size_limit": 10 * 1024 * 1024,
            "data": self.data,
        }
        if self.source is not None:
            data["message"] = self.source.to_json()
        return data

    def metadata(self) -> dict[str, Any]:
        meta: dict[str, Any] = {
            "id": str(self.id),
            "type": self.type,
            "user": self.member.user.to_json(),
            "authorizing_integration_owners": {"0": str(self.guild.id)},
        }
        if self.type == APPLICATION_COMMAND:
            meta["name"] = self.data.get("name")
            meta["command_type"] = self.data.get("type", 1)
        if self.source is not None:
            meta["interacted_message_id"] = str(self.source.id)
        return meta

    # --- the bot's side ---------------------------------------------------------------------

    def check_token(self, *, webhook: bool) -> None:
        if self.failed or (webhook and not self.acknowledged):
            if webhook:
                raise ApiError(404, 10015, "Unknown Webhook")
            raise ApiError(404, 10062, "Unknown interaction")
        age = asyncio.get_running_loop().time() - self.created
        if webhook and age > self.emu.token_lifetime:
            raise ApiError(401, 50027, "Invalid Webhook Token")

    def callback(self, body: dict[str, Any], files: dict[int, Any]) -> dict[str, Any]:
        """Handle ``POST /interactions/{id}/{token}/callback``; returns the reply JSON."""
        self.check_token(webhook=False)
        if self.acknowledged:
            raise ApiError(400, 40060, "Interaction has already been acknowledged.")
        kind = int(body.get("type", 0))
        data = body.get("data") or {}
        allowed = {
            APPLICATION_COMMAND: {4, 5, 9},
            COMPONENT: {4, 5, 6, 7, 9},
            AUTOCOMPLETE: {8},
            MODAL_SUBMIT: {4, 5, 6, 7} if self.source is not None else {4, 5},
        }[self.type]
        if kind not in allowed:
            raise ApiError(
                400,
                50035,
                "Invalid Form Body",
                {
                    "type": {
                        "_errors": [
                            {
                                "code": "INTERACTION_RESPONSE_TYPE_INVALID",
                                "message": f"Interaction response type {kind} is not valid "
                                f"for interaction type {self.type}",
                            }
                        ]
                    }
                },
            )
        factory = self.emu.message_factory
        resource: dict[str, Any] = {"type": kind}
        try:
            if kind in (4, 5):
                msg = factory.create(
                    self.channel,
                    data,
                    files,
                    interaction=self.metadata(),
                    ephemeral_allowed=True,
                    loading=kind == 5,
                    msg_type=20 if self.type == APPLICATION_COMMAND else 0,
                )
                self.ephemeral = bool(msg.flags & FLAG_EPHEMERAL)
                self.emu.store_message(msg)
                self.original_id = msg.id
                resource["message"] = msg.to_json()
            elif kind in (6, 7):
                assert self.source is not None
                if kind == 7:
                    factory.edit(self.source, data, files)
                    self.emu.message_updated(self.source)
                self.original_id = self.source.id
                resource["message"] = self.source.to_json()
            elif kind == 8:
                check_autocomplete({"choices": data.get("choices") or []})
                self.choices = data.get("choices") or []
            elif kind == 9:
                check_modal(data)
                self.modal = data
        except ApiError as exc:
            raise prefixed(["data"], exc) from None
        self.response_type = kind
        self._expiry.cancel()
        self._notify()
        interaction: dict[str, Any] = {
            "id": str(self.id),
            "type": self.type,
            "response_message_loading": kind == 5,
            "response_message_ephemeral": self.ephemeral,
        }
        if self.original_id is not None and kind in (4, 5, 7):
            interaction["response_message_id"] = str(self.original_id)
        reply: dict[str, Any] = {"interaction": interaction}
        if "message" in resource:
            reply["resource"] = resource
        return reply

    def followup(self, body: dict[str, Any], files: dict[int, Any]) -> Message:
        self.check_token(webhook=True)
        original = self.original
        factory = self.emu.message_factory
        if self.response_type == 5 and original is not None and original.loading:
            factory.edit(original, body, files)
            self.emu.message_updated(original)
            msg = original
        else:
            msg = factory.create(
                self.channel, body, files, interaction=self.metadata(), ephemeral_allowed=True
            )
            self.emu.store_message(msg)
        self.followups.append(msg)
        self._notify()
        return msg

    def own_message(self, message_id: str) -> Message:
        self.check_token(webhook=True)
        if message_id == "@original":
            msg = self.original
        else:
            msg = next((m for m in self.followups if str(m.id) == message_id), None)
            if msg is None and self.original is not None and str(self.original_id) == message_id:
                msg = self.original
        if msg is None or msg.deleted:
            raise ApiError(404, 10008, "Unknown Message")
        return msg

    def edit(self, message_id: str, body: dict[str, Any], files: dict[int, Any]) -> Message:
        msg = self.own_message(message_id)
        self.emu.message_factory.edit(msg, body, files)
        self.emu.message_updated(msg)
        self._notify()
        return msg

    def delete(self, message_id: str) -> None:
        msg = self.own_message(message_id)
        self.emu.delete_message(msg)
        self._notify()
