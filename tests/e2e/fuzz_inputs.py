"""Hypothesis strategies for every slash-command option and modal field, derived from the command
schema Rally synced to the emulator (what Discord itself knows), so a new command or option is
fuzzed without a change here — and `strategy_for` refuses an option type it has no strategy for,
which the meta-test turns into a failure.

Values stay within what Discord's client lets a member send (an option's choices, min/max values,
max_length; a modal's max_length): input past those never reaches the bot (see
test_fuzz_e2e.py for the 10,000-character option the client refuses)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from bot.sandbox.emulator import Attachment, DiscordEmulator, Guild

EDGES = [
    "\u200b",  # zero-width space
    "\u200d",  # zero-width joiner
    "\u202e",  # right-to-left override
    "\u2067",  # right-to-left isolate
    "\u0301\u0301\u0301",  # stacked combining marks
    "Z̷̡̛a̶l̴g̸o̵",
    "👩🏽‍⚖️",
    "🏳️‍🌈",
    "\ufeff",
    "@everyone",
    "@here",
    "<@123456789012345678>",
    "<@&123456789012345678>",
    "<#123456789012345678>",
    "**bold** __under__ `code` ```block``` ||spoiler|| > quote",
    "[link](https://evil.example)",
    "'; DROP TABLE signatures; --",
    '" OR 1=1 --',
    "%s %d {0} {name} $(id)",
    "\x00\x07\x1b[31m\x7f",
    "\r\n\t",
    '=HYPERLINK("http://evil")',
    "Свабоду палітвязням! ў і ї ґ ё",
    "مرحبا بالعالم",
    " ",
]
EDGE = st.sampled_from(EDGES)
#: One text: pieces of edge cases and arbitrary Unicode, or a long run (up to 10,000 characters:
#: built by repetition, since Hypothesis draws each character of a text from a bounded budget).
TEXT = st.one_of(
    st.lists(st.one_of(EDGE, st.text(max_size=30)), max_size=8).map("".join),
    st.text(min_size=30, max_size=300),
    st.builds(
        lambda piece, n: (piece * n)[:10_000],
        st.one_of(EDGE, st.text(min_size=1, max_size=12)),
        st.integers(1, 10_000),
    ),
)
STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT = (
    3, 4, 5, 6, 7, 8, 9, 10, 11,
)  # fmt: skip
DISCORD_INT = 2**53 - 1


class NoStrategy(LookupError):
    """An option or field whose type has no fuzz strategy: add one."""


@dataclass(frozen=True)
class Command:
    """A slash command as Discord knows it: its invocation path and its leaf options."""

    path: str
    options: list[dict[str, Any]]


def commands_of(emu: DiscordEmulator, guild: Guild) -> list[Command]:
    """Every invocable chat-input command (group/subgroup/sub) synced for `guild` or globally."""
    found: list[Command] = []
    tables = (emu.commands.table(guild.id), emu.commands.global_commands)
    for table in tables:
        for cmd in table.values():
            if cmd.get("type", 1) == 1:
                found.extend(_walk(cmd["name"], cmd.get("options") or []))
    return sorted(found, key=lambda c: c.path)


def _walk(path: str, options: list[dict[str, Any]]) -> Iterator[Command]:
    subs = [o for o in options if o["type"] in (1, 2)]
    if not subs:
        yield Command(path, options)
    for sub in subs:
        yield from _walk(f"{path} {sub['name']}", sub.get("options") or [])


def text_within(low: int, high: int) -> st.SearchStrategy[str]:
    """TEXT cut to what the client allows; too short → padded with an edge case."""
    return TEXT.map(lambda s: s[:high]).map(
        lambda s: s if len(s) >= low else (s + "\u200b" * low)[:high]
    )


def strategy_for(schema: dict[str, Any], guild: Guild, codes: list[str]) -> st.SearchStrategy[Any]:
    """Values a member could send for this option (raises NoStrategy for an unknown type)."""
    kind = schema["type"]
    if schema.get("choices"):
        return st.sampled_from([c["value"] for c in schema["choices"]])
    if kind == STRING:
        text = text_within(schema.get("min_length", 0), schema.get("max_length", 6000))
        if codes and (schema.get("autocomplete") or schema["name"] in ("code", "petition")):
            return st.one_of(st.sampled_from(codes), text)  # sometimes a real petition
        return text
    if kind in (INTEGER, NUMBER):
        low = schema.get("min_value", -DISCORD_INT)
        high = schema.get("max_value", DISCORD_INT)
        if kind == INTEGER:
            return st.one_of(
                st.sampled_from(sorted({low, high, max(low, min(high, 0))})), st.integers(low, high)
            )
        return st.floats(low, high, allow_nan=False, allow_infinity=False)
    if kind == BOOLEAN:
        return st.booleans()
    members = sorted(guild.members.values(), key=lambda m: m.user.id)
    roles = sorted(guild.roles.values(), key=lambda r: r.id)
    if kind == USER:
        return st.sampled_from(members)
    if kind == ROLE:
        return st.sampled_from(roles)
    if kind == MENTIONABLE:
        return st.sampled_from([*members, *roles])
    if kind == CHANNEL:
        wanted = schema.get("channel_types")
        channels = [c for c in guild.channels.values() if not wanted or c.type in wanted]
        return st.sampled_from(sorted(channels, key=lambda c: c.id))
    if kind == ATTACHMENT:
        return st.builds(
            Attachment,
            filename=text_within(1, 80).map(lambda s: s.replace("/", "_") + ".csv"),
            content=st.one_of(
                TEXT.map(lambda s: s.encode("utf-8", "surrogatepass")),
                st.binary(max_size=2_000),
                TEXT.map(lambda s: ("name,zip,email\n" + s).encode("utf-8", "surrogatepass")),
            ),
            content_type=st.sampled_from(["text/csv", "text/plain", "application/octet-stream"]),
        )
    raise NoStrategy(f"option {schema['name']!r} has type {kind}, which has no fuzz strategy")


def modal_inputs(modal: dict[str, Any]) -> list[dict[str, Any]]:
    """The text inputs and selects of a modal (action rows or labels)."""
    found = []
    for top in modal.get("components") or []:
        children = [top["component"]] if top.get("type") == 18 else top.get("components") or []
        found.extend(c for c in children if "custom_id" in c)
    return found


MODAL_FIELDS_MAX = 5


def fill_field(field: dict[str, Any], text: str) -> Any:
    """What a member types into (or picks in) a modal field, from one fuzzed text: cut to the
    field's max_length, padded to its min_length (raises NoStrategy for an unknown kind)."""
    if field.get("type") == 4:
        low = max(field.get("min_length", 0), 1 if field.get("required", True) else 0)
        high = field.get("max_length", 4000)
        cut = text[:high]
        return cut if len(cut) >= low else (cut + "\u200b" * low)[:high]
    options = field.get("options")
    if options:
        values = [o["value"] for o in options]
        return values[len(text) % len(values) :][: max(1, field.get("min_values", 1))]
    raise NoStrategy(f"modal field {field.get('custom_id')!r} of type {field.get('type')}")
