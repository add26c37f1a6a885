"""Each Discord rule the emulator enforces, refused exactly as Discord refuses it (400, 50035)."""

from __future__ import annotations

from typing import Any

import discord
import pytest
from discord import app_commands

from bot.sandbox.emulator import DiscordEmulator

from .conftest import EmuTestBot, World, post_raw


def _row(*components: dict[str, Any]) -> dict[str, Any]:
    return {"type": 1, "components": list(components)}


def _button(custom_id: str, label: str = "Go") -> dict[str, Any]:
    return {"type": 2, "style": 1, "label": label, "custom_id": custom_id}


def _select(custom_id: str, n_options: int = 1, **option: Any) -> dict[str, Any]:
    options = [{"label": f"o{i}", "value": f"v{i}", **option} for i in range(n_options)]
    return {"type": 3, "custom_id": custom_id, "options": options}


def _embed(**fields: Any) -> dict[str, Any]:
    return {"title": "t", **fields}


MAX = ("BASE_TYPE_MAX_LENGTH", "BASE_TYPE_BAD_LENGTH")

CASES: dict[str, tuple[dict[str, Any], list[str], tuple[str, ...]]] = {
    "content_2000": ({"content": "x" * 2001}, ["content"], ("BASE_TYPE_MAX_LENGTH",)),
    "embeds_10": ({"embeds": [_embed() for _ in range(11)]}, ["embeds"], MAX),
    "embed_total_6000": (
        {"embeds": [_embed(description="d" * 4000), _embed(description="d" * 2001)]},
        ["embeds"],
        ("MAX_EMBED_SIZE_EXCEEDED",),
    ),
    "embed_title_256": ({"embeds": [_embed(title="t" * 257)]}, ["embeds", "0", "title"], MAX),
    "embed_description_4096": (
        {"embeds": [_embed(description="d" * 4097)]},
        ["embeds", "0", "description"],
        MAX,
    ),
    "embed_fields_25": (
        {"embeds": [_embed(fields=[{"name": "n", "value": "v"}] * 26)]},
        ["embeds", "0", "fields"],
        MAX,
    ),
    "embed_field_name_256": (
        {"embeds": [_embed(fields=[{"name": "n" * 257, "value": "v"}])]},
        ["embeds", "0", "fields", "0", "name"],
        MAX,
    ),
    "embed_field_value_1024": (
        {"embeds": [_embed(fields=[{"name": "n", "value": "v" * 1025}])]},
        ["embeds", "0", "fields", "0", "value"],
        MAX,
    ),
    "embed_footer_2048": (
        {"embeds": [_embed(footer={"text": "f" * 2049})]},
        ["embeds", "0", "footer", "text"],
        MAX,
    ),
    "embed_author_256": (
        {"embeds": [_embed(author={"name": "a" * 257})]},
        ["embeds", "0", "author", "name"],
        MAX,
    ),
    "action_rows_5": (
        {"content": "x", "components": [_row(_button(f"b{i}")) for i in range(6)]},
        ["components"],
        MAX,
    ),
    "buttons_per_row_5": (
        {"content": "x", "components": [_row(*[_button(f"b{i}") for i in range(6)])]},
        ["components", "0", "components"],
        ("COMPONENT_LAYOUT_WIDTH_EXCEEDED",),
    ),
    "one_select_per_row": (
        {"content": "x", "components": [_row(_select("s1"), _button("b"))]},
        ["components", "0", "components"],
        ("COMPONENT_LAYOUT_WIDTH_EXCEEDED",),
    ),
    "custom_id_100": (
        {"content": "x", "components": [_row(_button("c" * 101))]},
        ["components", "0", "components", "0", "custom_id"],
        MAX,
    ),
    "custom_id_unique": (
        {"content": "x", "components": [_row(_button("same"), _button("same"))]},
        ["components", "0", "components", "1", "custom_id"],
        ("COMPONENT_CUSTOM_ID_DUPLICATED",),
    ),
    "button_label_80": (
        {"content": "x", "components": [_row(_button("b", label="l" * 81))]},
        ["components", "0", "components", "0", "label"],
        MAX,
    ),
    "select_options_25": (
        {"content": "x", "components": [_row(_select("s", 26))]},
        ["components", "0", "components", "0", "options"],
        MAX,
    ),
    "select_options_at_least_1": (
        {"content": "x", "components": [_row(_select("s", 0))]},
        ["components", "0", "components", "0", "options"],
        MAX,
    ),
    "select_option_description_100": (
        {"content": "x", "components": [_row(_select("s", 1, description="d" * 101))]},
        ["components", "0", "components", "0", "options", "0", "description"],
        MAX,
    ),
}


def _dig(errors: dict[str, Any], path: list[str]) -> list[dict[str, str]]:
    node = errors
    for key in path:
        node = node[key]
    result: list[dict[str, str]] = node["_errors"]
    return result


@pytest.mark.parametrize("case", list(CASES))
async def test_message_rule(case: str, world: World, test_bot: EmuTestBot) -> None:
    payload, path, codes = CASES[case]
    with pytest.raises(discord.HTTPException) as info:
        await post_raw(test_bot, world.channel.id, payload)
    exc = info.value
    assert exc.status == 400 and exc.code == 50035 and exc.text.startswith("Invalid Form Body")
    # discord.py flattens ``errors`` into ``exc.text`` and keeps the original tree in ``_errors``.
    errors: dict[str, Any] = exc._errors  # type: ignore[attr-defined]
    assert _dig(errors, path)[0]["code"] in codes


async def test_content_limit_message_matches_discord(world: World, test_bot: EmuTestBot) -> None:
    channel = test_bot.get_channel(world.channel.id)
    assert isinstance(channel, discord.TextChannel)
    with pytest.raises(discord.HTTPException) as info:
        await channel.send("x" * 2001)
    assert info.value.code == 50035
    assert "content: Must be 2000 or fewer in length." in info.value.text


async def test_empty_message_refused(world: World, test_bot: EmuTestBot) -> None:
    with pytest.raises(discord.HTTPException) as info:
        await post_raw(test_bot, world.channel.id, {"content": ""})
    assert info.value.code == 50006


async def test_openapi_layer_rejects_bad_types(world: World, test_bot: EmuTestBot) -> None:
    with pytest.raises(discord.HTTPException) as info:
        await post_raw(test_bot, world.channel.id, {"content": "x", "tts": "yes"})
    assert info.value.code == 50035 and "tts" in info.value.text


async def test_nonce_dedupe(emulator: DiscordEmulator, world: World, test_bot: EmuTestBot) -> None:
    channel = test_bot.get_channel(world.channel.id)
    assert isinstance(channel, discord.TextChannel)
    first = await channel.send("once", nonce="rally-1")
    again = await channel.send("once", nonce="rally-1")
    assert again.id == first.id
    assert [m.content for m in emulator.messages(world.channel.id)] == ["once"]
    with pytest.raises(discord.HTTPException) as info:
        await post_raw(test_bot, world.channel.id, {"content": "x", "nonce": "n" * 26})
    assert info.value.code == 50035


async def test_allowed_mentions_parse_and_ids_exclusive(world: World, test_bot: EmuTestBot) -> None:
    payload = {
        "content": "x",
        "allowed_mentions": {"parse": ["roles"], "roles": [str(world.organizers.id)]},
    }
    with pytest.raises(discord.HTTPException) as info:
        await post_raw(test_bot, world.channel.id, payload)
    assert info.value.code == 50035 and "mutually exclusive" in info.value.text


def _command(name: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "description": "d", "type": 1, **extra}


COMMAND_CASES: dict[str, tuple[list[dict[str, Any]], str]] = {
    "name_uppercase": ([_command("Hello")], "APPLICATION_COMMAND_INVALID_NAME"),
    "name_33": ([_command("x" * 33)], "APPLICATION_COMMAND_INVALID_NAME"),
    "name_space": ([_command("two words")], "APPLICATION_COMMAND_INVALID_NAME"),
    "description_100": ([_command("a", description="d" * 101)], "BASE_TYPE_BAD_LENGTH"),
    "description_empty": ([_command("a", description="")], "BASE_TYPE_BAD_LENGTH"),
    "options_25": (
        [
            _command(
                "a", options=[{"type": 3, "name": f"o{i}", "description": "d"} for i in range(26)]
            )
        ],
        "BASE_TYPE_MAX_LENGTH",
    ),
    "choices_25": (
        [
            _command(
                "a",
                options=[
                    {
                        "type": 3,
                        "name": "o",
                        "description": "d",
                        "choices": [{"name": f"c{i}", "value": f"c{i}"} for i in range(26)],
                    }
                ],
            )
        ],
        "BASE_TYPE_MAX_LENGTH",
    ),
}


@pytest.mark.parametrize("case", list(COMMAND_CASES))
async def test_command_rule(case: str, test_bot: EmuTestBot) -> None:
    payload, code = COMMAND_CASES[case]
    assert test_bot.application_id is not None
    with pytest.raises(discord.HTTPException) as info:
        await test_bot.http.bulk_upsert_global_commands(test_bot.application_id, payload)
    assert info.value.code == 50035
    assert code in str(info.value._errors)  # type: ignore[attr-defined]


async def test_100_global_commands(test_bot: EmuTestBot) -> None:
    assert test_bot.application_id is not None
    payload = [_command(f"c{i}") for i in range(101)]
    with pytest.raises(discord.HTTPException) as info:
        await test_bot.http.bulk_upsert_global_commands(test_bot.application_id, payload)
    assert info.value.code == 30032


async def test_tree_sync_failure_surfaces(test_bot: EmuTestBot) -> None:
    @app_commands.command(name="bad", description="d" * 100)
    async def bad(interaction: discord.Interaction, x: str) -> None:
        raise AssertionError

    bad.name = "Bad"  # bypass discord.py's own check so Discord's is exercised
    test_bot.tree.add_command(bad)
    with pytest.raises(app_commands.CommandSyncFailure):
        await test_bot.tree.sync()
