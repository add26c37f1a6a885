"""One way every member-facing string is translated: gettext catalogs read with Babel.

English is the source language; `bot/locale/{be,ru,uk}/LC_MESSAGES/rally.po` hold the translations
and are read at start-up (no compile step). Strings use `{name}` placeholders. Mark a string for
extraction where it is defined with `N_()` and translate it where it is shown with
`Localizer.t()`/`Localizer.tn()`; `make i18n-check` compares the catalogs with the source.
"""

from __future__ import annotations

import gettext
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from importlib import resources
from typing import Any

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

SOURCE_LANGUAGE = "en"
LANGUAGES: tuple[str, ...] = ("en", "be", "ru", "uk")
LANGUAGE_NAMES: dict[str, str] = {
    "en": "English",
    "be": "Беларуская",
    "ru": "Русский",
    "uk": "Українська",
}
#: Discord client locales Rally speaks (Discord has no Belarusian client locale).
DISCORD_LOCALES: dict[str, str] = {"en-US": "en", "en-GB": "en", "ru": "ru", "uk": "uk"}


def N_(message: str) -> str:
    """Mark `message` for extraction; it is translated later, where it is shown."""
    return message


class Lazy(str):
    """A parameter that is itself a message id: translated when the outer message is shown."""

    __slots__ = ()


@dataclass(frozen=True)
class Catalog:
    language: str
    messages: Mapping[str, str] = field(default_factory=dict)
    plurals: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    plural_index: Callable[[int], int] = field(default=lambda n: 0 if n == 1 else 1)


def _catalog_path(language: str) -> Any:
    return resources.files("bot") / "locale" / language / "LC_MESSAGES" / "rally.po"


@cache
def load_catalog(language: str) -> Catalog:
    """The catalog for `language` (cached); English and missing files give the identity."""
    if language == SOURCE_LANGUAGE:
        return Catalog(language)
    path = _catalog_path(language)
    if not path.is_file():
        return Catalog(language)
    with path.open("rb") as handle:
        po = read_po(handle, locale=language)
    messages: dict[str, str] = {}
    plurals: dict[str, tuple[str, ...]] = {}
    for message in po:
        if not message.id or message.fuzzy:
            continue
        if message.pluralizable:
            forms = tuple(str(form) for form in message.string or ())
            if all(forms):
                plurals[message.id[0]] = forms
        elif message.string:
            messages[str(message.id)] = str(message.string)
    expression = gettext.c2py(po.plural_expr)
    return Catalog(language, messages, plurals, expression)


def resolve_language(
    *, member_choice: str | None, discord_locale: str | None, server_language: str | None
) -> str:
    """A member's own choice wins, then their Discord client's locale, then the server's."""
    if member_choice in LANGUAGES:
        return member_choice
    if discord_locale and discord_locale in DISCORD_LOCALES:
        return DISCORD_LOCALES[discord_locale]
    if server_language in LANGUAGES:
        return server_language
    return SOURCE_LANGUAGE


class Localizer:
    """Translates and formats for one language."""

    def __init__(self, language: str) -> None:
        self.language = language if language in LANGUAGES else SOURCE_LANGUAGE
        self.catalog = load_catalog(self.language)
        self.locale = Locale.parse(self.language)
        self._group = _plain_grouping(self.locale)

    def _format(self, template: str, params: Mapping[str, Any]) -> str:
        if not params:
            return template
        shown = {key: self._value(value) for key, value in params.items()}
        return template.format(**shown)

    def _value(self, value: Any) -> Any:
        if isinstance(value, Lazy):
            return self.t(str(value))
        if isinstance(value, bool):
            return value
        if isinstance(value, datetime):
            return self.date(value)
        if isinstance(value, int):
            return self.number(value)
        return value

    def t(self, message: str, **params: Any) -> str:
        """`message` in this language, with `{placeholders}` filled (integers localized)."""
        return self._format(self.catalog.messages.get(message, message), params)

    def tn(self, singular: str, plural: str, n: int, **params: Any) -> str:
        """The plural form for `n`; `{count}` is `n`, localized."""
        forms = self.catalog.plurals.get(singular)
        if forms:
            index = self.catalog.plural_index(n)
            template = forms[min(index, len(forms) - 1)]
        else:
            template = singular if n == 1 else plural
        return self._format(template, {"count": n, **params})

    def number(self, value: int | float) -> str:
        if type(value) is int and value >= 0 and self._group is not None:
            return f"{value:,}".replace(",", self._group)  # Babel's result, ~20× faster
        return format_decimal(value, locale=self.locale)

    def date(self, value: date | datetime) -> str:
        if isinstance(value, datetime):
            return format_date(value.date(), format="medium", locale=self.locale)
        return format_date(value, format="medium", locale=self.locale)

    def datetime(self, value: datetime) -> str:
        return format_datetime(value, format="medium", locale=self.locale)


#: Numbers whose Babel formatting `_plain_grouping` compares with the fast path's.
GROUPING_SAMPLES = (0, 7, 42, 999, 1000, 1234, 9999, 10000, 12345, 999999, 1000000, 1234567890)


def _plain_grouping(locale: Locale) -> str | None:
    """The group separator, when the locale groups whole numbers by threes with it as Python's
    `,` format does — checked against Babel itself; None (always ask Babel) otherwise.

    Every answer formats a few numbers ("signer #1,234 of 5,000"): Babel takes ~25 µs each,
    a measurable share of a click's cost in a surge."""
    group = format_decimal(1000000, locale=locale)[1:2]
    if not group or group.isdigit():
        return None
    fast = [f"{n:,}".replace(",", group) for n in GROUPING_SAMPLES]
    if fast != [format_decimal(n, locale=locale) for n in GROUPING_SAMPLES]:
        return None
    return group


@cache
def localizer(language: str) -> Localizer:
    return Localizer(language)
