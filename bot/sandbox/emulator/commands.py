"""Registered application commands, and turning a test's ``run_command`` into interaction data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .limits import ApiError, FormErrors, check_command, check_commands
from .state import Attachment, Channel, Guild, Member, Role, Snowflakes, User

OPTION_TYPES = {
    1: "SUB_COMMAND",
    2: "SUB_COMMAND_GROUP",
    3: "STRING",
    4: "INTEGER",
    5: "BOOLEAN",
    6: "USER",
    7: "CHANNEL",
    8: "ROLE",
    9: "MENTIONABLE",
    10: "NUMBER",
    11: "ATTACHMENT",
}


class CommandError(LookupError):
    """A test asked for a command or option the bot never registered (or gave a bad value)."""


@dataclass
class CommandRegistry:
    application_id: int
    snowflakes: Snowflakes
    global_commands: dict[int, dict[str, Any]] = field(default_factory=dict)
    guild_commands: dict[int, dict[int, dict[str, Any]]] = field(default_factory=dict)

    def table(self, guild_id: int | None) -> dict[int, dict[str, Any]]:
        if guild_id is None:
            return self.global_commands
        return self.guild_commands.setdefault(guild_id, {})

    def _normalise(
        self, data: dict[str, Any], guild_id: int | None, existing: dict[str, Any] | None
    ) -> dict[str, Any]:
        cmd_id = int(existing["id"]) if existing else self.snowflakes.next()
        out: dict[str, Any] = {
            "id": str(cmd_id),
            "application_id": str(self.application_id),
            "version": str(self.snowflakes.next()),
            "type": data.get("type", 1),
            "name": data["name"],
            "description": data.get("description", ""),
            "options": data.get("options") or [],
            "default_member_permissions": data.get("default_member_permissions"),
            "dm_permission": data.get("dm_permission", True),
            "nsfw": data.get("nsfw", False),
            "name_localizations": data.get("name_localizations"),
            "description_localizations": data.get("description_localizations"),
            "contexts": data.get("contexts"),
            "integration_types": data.get("integration_types", [0]),
        }
        if guild_id is not None:
            out["guild_id"] = str(guild_id)
        return out

    def bulk_overwrite(
        self, guild_id: int | None, payload: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        check_commands(payload)
        old = {(c["type"], c["name"]): c for c in self.table(guild_id).values()}
        new: dict[int, dict[str, Any]] = {}
        for data in payload:
            existing = old.get((data.get("type", 1), data["name"]))
            cmd = self._normalise(data, guild_id, existing)
            new[int(cmd["id"])] = cmd
        if guild_id is None:
            self.global_commands = new
        else:
            self.guild_commands[guild_id] = new
        return list(new.values())

    def upsert(self, guild_id: int | None, data: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        errors = FormErrors()
        check_command(errors, [], data)
        errors.raise_if_any()
        table = self.table(guild_id)
        existing = next(
            (
                c
                for c in table.values()
                if (c["type"], c["name"]) == (data.get("type", 1), data["name"])
            ),
            None,
        )
        if (
            existing is None
            and sum(1 for c in table.values() if c["type"] == data.get("type", 1)) >= 100
        ):
            raise ApiError(400, 30032, "Maximum number of application commands reached (100)")
        cmd = self._normalise(data, guild_id, existing)
        table[int(cmd["id"])] = cmd
        return cmd, existing is None

    def get(self, guild_id: int | None, command_id: int) -> dict[str, Any]:
        try:
            return self.table(guild_id)[command_id]
        except KeyError:
            raise ApiError(404, 10063, "Unknown application command") from None

    def edit(self, guild_id: int | None, command_id: int, data: dict[str, Any]) -> dict[str, Any]:
        current = self.get(guild_id, command_id)
        merged = {**current, **data}
        errors = FormErrors()
        check_command(errors, [], merged)
        errors.raise_if_any()
        cmd = self._normalise(merged, guild_id, current)
        self.table(guild_id)[command_id] = cmd
        return cmd

    def delete(self, guild_id: int | None, command_id: int) -> None:
        self.get(guild_id, command_id)
        del self.table(guild_id)[command_id]

    def find(self, guild_id: int, name: str, kind: int = 1) -> dict[str, Any]:
        for table in (self.table(guild_id), self.global_commands):
            for cmd in table.values():
                if cmd["name"] == name and cmd["type"] == kind:
                    return cmd
        known = sorted(
            c["name"] for t in (self.table(guild_id), self.global_commands) for c in t.values()
        )
        raise CommandError(f"no command {name!r} registered (synced: {known})")


@dataclass
class Resolved:
    users: dict[str, Any] = field(default_factory=dict)
    members: dict[str, Any] = field(default_factory=dict)
    roles: dict[str, Any] = field(default_factory=dict)
    channels: dict[str, Any] = field(default_factory=dict)
    attachments: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v}


def resolve_path(
    cmd: dict[str, Any], parts: list[str]
) -> tuple[list[tuple[int, str]], list[dict[str, Any]]]:
    """Walk ``group sub`` names; returns the (type, name) chain and the leaf option schemas."""
    chain: list[tuple[int, str]] = []
    options: list[dict[str, Any]] = cmd.get("options") or []
    for part in parts:
        match = next((o for o in options if o["name"] == part and o["type"] in (1, 2)), None)
        if match is None:
            subs = [o["name"] for o in options if o["type"] in (1, 2)]
            raise CommandError(f"/{cmd['name']} has no subcommand {part!r} (has {subs})")
        chain.append((match["type"], part))
        options = match.get("options") or []
    if any(o["type"] in (1, 2) for o in options):
        subs = [o["name"] for o in options if o["type"] in (1, 2)]
        raise CommandError(f"/{cmd['name']} needs a subcommand: one of {subs}")
    return chain, options


def convert_options(
    schemas: list[dict[str, Any]],
    values: dict[str, Any],
    guild: Guild,
    resolved: Resolved,
    *,
    focused: str | None = None,
    focused_value: str = "",
    snowflakes: Snowflakes,
    attachment_url: Any,
) -> list[dict[str, Any]]:
    by_name = {o["name"]: o for o in schemas}
    for name in values:
        if name not in by_name:
            raise CommandError(f"unknown option {name!r}; options are {list(by_name)}")
    out: list[dict[str, Any]] = []
    for schema in schemas:
        name, kind = schema["name"], schema["type"]
        if name == focused:
            out.append({"name": name, "type": kind, "value": focused_value, "focused": True})
            continue
        if name not in values:
            if schema.get("required") and focused is None:
                raise CommandError(f"required option {name!r} missing")
            continue
        value = _convert(schema, values[name], guild, resolved, snowflakes, attachment_url)
        out.append({"name": name, "type": kind, "value": value})
    if focused is not None and focused not in by_name:
        raise CommandError(f"unknown option {focused!r}; options are {list(by_name)}")
    return out


def _convert(
    schema: dict[str, Any],
    value: Any,
    guild: Guild,
    resolved: Resolved,
    snowflakes: Snowflakes,
    attachment_url: Any,
) -> Any:
    kind, name = schema["type"], schema["name"]
    if kind == 3:
        value = str(value)
        low, high = schema.get("min_length", 0), schema.get("max_length", 6000)
        if not low <= len(value) <= high:
            raise CommandError(f"option {name!r}: length must be within {low}..{high}")
    elif kind == 4:
        if isinstance(value, bool) or not isinstance(value, int):
            raise CommandError(f"option {name!r} needs an integer, got {value!r}")
    elif kind == 10:
        value = float(value)
    elif kind == 5:
        value = bool(value)
    if kind in (4, 10):
        if "min_value" in schema and value < schema["min_value"]:
            raise CommandError(f"option {name!r}: {value} < min_value {schema['min_value']}")
        if "max_value" in schema and value > schema["max_value"]:
            raise CommandError(f"option {name!r}: {value} > max_value {schema['max_value']}")
    choices = schema.get("choices")
    if choices and value not in [c["value"] for c in choices]:
        raise CommandError(f"option {name!r}: {value!r} is not one of the choices {choices}")
    if kind in (6, 9) and isinstance(value, (Member, User)):
        user = value.user if isinstance(value, Member) else value
        resolved.users[str(user.id)] = user.to_json()
        member = guild.members.get(user.id)
        if member is not None:
            data = member.to_json(guild.permissions_for(member))
            data.pop("user")
            resolved.members[str(user.id)] = data
        return str(user.id)
    if kind in (8, 9) and isinstance(value, Role):
        resolved.roles[str(value.id)] = value.to_json()
        return str(value.id)
    if kind == 7 and isinstance(value, Channel):
        resolved.channels[str(value.id)] = {**value.to_json(), "permissions": str((1 << 53) - 1)}
        return str(value.id)
    if kind == 11:
        if not isinstance(value, Attachment):
            raise CommandError(
                f"option {name!r} needs an Attachment(filename, content, content_type)"
            )
        value.id = value.id or snowflakes.next()
        value.ephemeral = True
        value.url = attachment_url(0, value)
        resolved.attachments[str(value.id)] = value.to_json()
        return str(value.id)
    if kind in (6, 7, 8, 9):
        raise CommandError(
            f"option {name!r} ({OPTION_TYPES[kind]}) needs an emulator object, got {value!r}"
        )
    return value


def nest(chain: list[tuple[int, str]], leaf: list[dict[str, Any]]) -> list[dict[str, Any]]:
    options = leaf
    for kind, name in reversed(chain):
        options = [{"type": kind, "name": name, "options": options}]
    return options
