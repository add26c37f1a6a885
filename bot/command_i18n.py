"""Slash-command names and descriptions in Discord's own locales (ru, uk) from Rally's catalogs.

discord.py hands every name, description and choice to the tree's `Translator` when it syncs;
this one looks them up in the same gettext catalogs as everything else. A translated *name* that
Discord would refuse (not lowercase, too long, characters outside its pattern) is dropped, so the
English name stays.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from collections.abc import Iterator
from typing import Any

import discord
from discord import app_commands
from discord.app_commands import TranslationContextLocation as Where
from discord.ext import commands

from bot.i18n import load_catalog

#: Discord client locales Rally has catalogs for (Discord has no Belarusian client).
COMMAND_LOCALES: dict[discord.Locale, str] = {
    discord.Locale.russian: "ru",
    discord.Locale.ukrainian: "uk",
}
NAME_PATTERN = re.compile(r"^[-_\w]{1,32}$")
NAME_PLACES = {Where.command_name, Where.group_name, Where.parameter_name}
LIMITS = {
    Where.command_description: 100,
    Where.group_description: 100,
    Where.parameter_description: 100,
    Where.choice_name: 100,
}


def valid_name(name: str) -> bool:
    return bool(NAME_PATTERN.match(name)) and name == name.lower() and "_" not in name[:1]


class RallyTranslator(app_commands.Translator):
    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        language = COMMAND_LOCALES.get(locale)
        if language is None:
            return None
        text = load_catalog(language).messages.get(string.message)
        if not text:
            return None
        if context.location in NAME_PLACES and not valid_name(text):
            return None
        limit = LIMITS.get(context.location)
        if limit is not None and len(text) > limit:
            return None
        return text


def _cog_classes() -> Iterator[type[commands.Cog]]:
    import cogs

    for info in pkgutil.iter_modules(cogs.__path__):
        module = importlib.import_module(f"cogs.{info.name}")
        for _, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, commands.Cog) and value.__module__ == module.__name__:
                yield value


def _walk(command: Any) -> Iterator[tuple[str, str]]:
    where = "command" if isinstance(command, app_commands.Command) else "group"
    yield command.name, f"{where} name"
    yield command.description, f"{where} {command.name} description"
    if isinstance(command, app_commands.Group):
        for child in command.commands:
            yield from _walk(child)
        return
    for parameter in command.parameters:
        yield parameter.name, f"option of {command.qualified_name}"
        yield parameter.description, f"option {parameter.name} of {command.qualified_name}"
        for choice in parameter.choices:
            yield choice.name, f"choice of {command.qualified_name} {parameter.name}"


def command_strings() -> dict[str, str]:
    """Every name, description and choice of Rally's slash commands → where it is used."""
    found: dict[str, str] = {}
    for cls in _cog_classes():
        cog = cls(None)
        group = cog.__cog_app_commands_group__
        for command in [group] if group is not None else cog.get_app_commands():
            for text, where in _walk(command):
                if text and text != "…":
                    found.setdefault(text, where)
    return found
