"""Every slash command fits Discord's limits, is unique, and every option is described."""

from __future__ import annotations

import re
from typing import Any

import discord
from discord import app_commands

from bot.command_i18n import _cog_classes

NAME = re.compile(r"^[-_\w]{1,32}$")


def payloads() -> list[dict[str, Any]]:
    tree = app_commands.CommandTree(discord.Client(intents=discord.Intents.none()))
    for cls in _cog_classes():
        cog = cls(None)
        group = cog.__cog_app_commands_group__
        for command in [group] if group is not None else cog.get_app_commands():
            tree.add_command(command)
    return [command.to_dict(tree) for command in tree.get_commands()]


def check_option(option: dict[str, Any], where: str, problems: list[str]) -> None:
    name = option["name"]
    if not NAME.match(name) or name != name.lower():
        problems.append(f"{where}: bad name {name!r}")
    description = option.get("description", "")
    if not 1 <= len(description) <= 100 or description == "…":
        problems.append(f"{where} {name}: description {description!r} missing or too long")
    children = option.get("options", [])
    if len(children) > 25:
        problems.append(f"{where} {name}: more than 25 options")
    if len({c["name"] for c in children}) != len(children):
        problems.append(f"{where} {name}: duplicate option names")
    for choice in option.get("choices", []):
        if not 1 <= len(choice["name"]) <= 100:
            problems.append(f"{where} {name}: choice {choice['name']!r} too long")
    if len(option.get("choices", [])) > 25:
        problems.append(f"{where} {name}: more than 25 choices")
    for child in children:
        check_option(child, f"{where} {name}", problems)


def test_commands_fit_discord_limits_and_are_described() -> None:
    commands = payloads()
    names = [c["name"] for c in commands]
    assert len(names) == len(set(names)), names
    assert len(commands) <= 100
    problems: list[str] = []
    for command in commands:
        check_option(command, "/", problems)
    assert problems == []
    assert {"about", "petition", "setup", "milestones"} <= set(names)
