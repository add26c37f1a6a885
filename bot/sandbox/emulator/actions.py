"""What a test member can do: run slash commands, autocomplete, click, select, submit modals."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from .commands import CommandError, CommandRegistry, Resolved, convert_options, nest, resolve_path
from .interactions import APPLICATION_COMMAND, AUTOCOMPLETE, COMPONENT, MODAL_SUBMIT, Interaction
from .state import Attachment, Channel, Guild, Member, Message, Snowflakes, walk_components

if TYPE_CHECKING:
    from .emulator import DiscordEmulator
    from .gateway import Gateway


class ComponentError(LookupError):
    """The member tried to use a component that is not on the message (or is disabled)."""


class MemberActions:
    guilds: dict[int, Guild]
    commands: CommandRegistry
    snowflakes: Snowflakes
    gateway: Gateway
    interactions: dict[int, Interaction]
    interactions_by_token: dict[str, Interaction]

    files: dict[int, Attachment]

    def attachment_url(self, channel_id: int, att: Attachment) -> str:
        raise NotImplementedError

    def _publish(self, channel_id: int, att: Attachment) -> str:
        self.files[att.id] = att
        return self.attachment_url(channel_id, att)

    def _emu(self) -> DiscordEmulator:
        return cast("DiscordEmulator", self)

    def _start(self, it: Interaction) -> Interaction:
        self.interactions[it.id] = it
        self.interactions_by_token[it.token] = it
        self.gateway.dispatch("INTERACTION_CREATE", it.payload(), guild_id=it.guild.id)
        return it

    def _command_data(
        self,
        member: Member,
        channel: Channel,
        name: str,
        options: dict[str, Any] | None,
        focused: str | None = None,
        focused_value: str = "",
    ) -> dict[str, Any]:
        guild = self.guilds[member.guild_id]
        if channel.guild_id != guild.id:
            raise CommandError(f"channel {channel.name!r} is not in guild {guild.name!r}")
        top, *rest = name.strip().lstrip("/").split()
        cmd = self.commands.find(guild.id, top)
        chain, schemas = resolve_path(cmd, rest)
        resolved = Resolved()
        leaf = convert_options(
            schemas,
            options or {},
            guild,
            resolved,
            focused=focused,
            focused_value=focused_value,
            snowflakes=self.snowflakes,
            attachment_url=self._publish,
        )
        data: dict[str, Any] = {
            "id": cmd["id"],
            "name": cmd["name"],
            "type": cmd["type"],
            "options": nest(chain, leaf),
        }
        if "guild_id" in cmd:
            data["guild_id"] = cmd["guild_id"]
        if resolved.to_json():
            data["resolved"] = resolved.to_json()
        return data

    async def run_command(
        self,
        member: Member,
        channel: Channel,
        name: str,
        options: dict[str, Any] | None = None,
        *,
        locale: str | None = None,
    ) -> Interaction:
        """Run ``/name`` ("group sub" or "group subgroup sub") with ``options`` converted per the
        registered schema (Member/User/Role/Channel/Attachment objects for those option types)."""
        data = self._command_data(member, channel, name, options)
        guild = self.guilds[member.guild_id]
        return self._start(
            Interaction(
                self._emu(),
                kind=APPLICATION_COMMAND,
                guild=guild,
                channel=channel,
                member=member,
                data=data,
                locale=locale,
            )
        )

    async def autocomplete(
        self,
        member: Member,
        channel: Channel,
        name: str,
        *,
        option: str,
        value: str = "",
        options: dict[str, Any] | None = None,
        locale: str | None = None,
        timeout: float | None = None,  # noqa: ASYNC109
    ) -> list[dict[str, Any]]:
        """Type ``value`` into ``option`` and return the choices the bot offers."""
        data = self._command_data(
            member, channel, name, options, focused=option, focused_value=value
        )
        guild = self.guilds[member.guild_id]
        it = self._start(
            Interaction(
                self._emu(),
                kind=AUTOCOMPLETE,
                guild=guild,
                channel=channel,
                member=member,
                data=data,
                locale=locale,
            )
        )
        choices: list[dict[str, Any]] = await it.response(timeout)
        return choices

    def _component(
        self, message: Message, custom_id: str, kinds: tuple[int, ...]
    ) -> dict[str, Any]:
        if message.deleted:
            raise ComponentError(f"message {message.id} was deleted")
        comp = message.find_component(custom_id)
        if comp is None or comp.get("type") not in kinds:
            available = [
                (c.get("type"), c.get("custom_id"))
                for c in walk_components(message.components)
                if "custom_id" in c
            ]
            raise ComponentError(
                f"no component {custom_id!r} of type {kinds} on message {message.id}; "
                f"has {available}"
            )
        if comp.get("disabled"):
            raise ComponentError(f"component {custom_id!r} is disabled")
        return comp

    def _component_interaction(
        self, member: Member, message: Message, data: dict[str, Any], locale: str | None
    ) -> Interaction:
        guild = self.guilds[member.guild_id]
        channel = guild.channels.get(message.channel_id)
        if channel is None:
            raise ComponentError(f"message {message.id} is not in guild {guild.name!r}")
        return self._start(
            Interaction(
                self._emu(),
                kind=COMPONENT,
                guild=guild,
                channel=channel,
                member=member,
                data=data,
                source=message,
                locale=locale,
            )
        )

    async def click(
        self, member: Member, message: Message, custom_id: str, *, locale: str | None = None
    ) -> Interaction:
        self._component(message, custom_id, (2,))
        data = {"custom_id": custom_id, "component_type": 2}
        return self._component_interaction(member, message, data, locale)

    async def select(
        self,
        member: Member,
        message: Message,
        custom_id: str,
        values: list[Any],
        *,
        locale: str | None = None,
    ) -> Interaction:
        comp = self._component(message, custom_id, (3, 5, 6, 7, 8))
        low, high = comp.get("min_values", 1), comp.get("max_values", 1)
        if not low <= len(values) <= high:
            raise ComponentError(
                f"select {custom_id!r} takes {low}..{high} values, got {len(values)}"
            )
        if comp["type"] == 3:
            offered = [o["value"] for o in comp.get("options") or []]
            missing = [v for v in values if v not in offered]
            if missing:
                raise ComponentError(
                    f"select {custom_id!r} has no options {missing}; has {offered}"
                )
        data: dict[str, Any] = {
            "custom_id": custom_id,
            "component_type": comp["type"],
            "values": [str(getattr(v, "id", v)) for v in values],
        }
        if comp["type"] != 3:
            guild = self.guilds[member.guild_id]
            resolved = Resolved()
            for v in values:
                kind = 6 if isinstance(v, Member) else (8 if comp["type"] == 6 else 7)
                convert_options(
                    [{"name": "v", "type": kind}],
                    {"v": v},
                    guild,
                    resolved,
                    snowflakes=self.snowflakes,
                    attachment_url=self._publish,
                )
            data["resolved"] = resolved.to_json()
        return self._component_interaction(member, message, data, locale)

    async def submit_modal(
        self,
        member: Member,
        opener: Interaction,
        values: dict[str, Any],
        *,
        locale: str | None = None,
    ) -> Interaction:
        """Fill the modal ``opener`` was answered with (``{custom_id: value}``) and submit it."""
        modal = opener.modal
        if modal is None:
            raise ComponentError(f"{opener!r} was not answered with a modal")
        inputs: dict[str, dict[str, Any]] = {}
        submitted: list[dict[str, Any]] = []
        for top in modal.get("components") or []:
            children = [top["component"]] if top.get("type") == 18 else top.get("components") or []
            filled = [self._fill(c, values, inputs) for c in children if "custom_id" in c]
            if top.get("type") == 18:
                submitted.append({"type": 18, "id": top.get("id", 0), "component": filled[0]})
            else:
                submitted.append({"type": 1, "components": filled})
        unknown = set(values) - set(inputs)
        if unknown:
            raise ComponentError(
                f"modal {modal.get('custom_id')!r} has no inputs {sorted(unknown)}"
            )
        data = {"custom_id": modal["custom_id"], "components": submitted}
        it = Interaction(
            self._emu(),
            kind=MODAL_SUBMIT,
            guild=opener.guild,
            channel=opener.channel,
            member=member,
            data=data,
            source=opener.source,
            locale=locale,
        )
        return self._start(it)

    @staticmethod
    def _fill(
        comp: dict[str, Any], values: dict[str, Any], inputs: dict[str, Any]
    ) -> dict[str, Any]:
        custom_id = comp["custom_id"]
        inputs[custom_id] = comp
        if comp.get("type") == 4:
            value = str(values.get(custom_id, comp.get("value") or ""))
            if comp.get("required", True) and not value:
                raise ComponentError(f"text input {custom_id!r} is required")
            low, high = comp.get("min_length", 0), comp.get("max_length", 4000)
            if value and not low <= len(value) <= high:
                raise ComponentError(f"text input {custom_id!r} must be {low}..{high} characters")
            return {"type": 4, "custom_id": custom_id, "value": value}
        chosen = values.get(custom_id, [])
        return {"type": comp["type"], "custom_id": custom_id, "values": [str(v) for v in chosen]}
