"""Rally speaks en, be, ru and uk: plurals, numbers, language choice, catalogs, command names."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Any

import discord
import pytest
from babel.messages.pofile import read_po, write_po
from babel.numbers import format_decimal
from discord import app_commands
from hypothesis import given
from hypothesis import strategies as st

from bot.command_i18n import (
    COMMAND_LOCALES,
    RallyTranslator,
    _cog_classes,
    command_strings,
    valid_name,
)
from bot.domain.errors import InvalidInput, PetitionNotFound
from bot.domain.petitions import parse_draft
from bot.i18n import LANGUAGES, load_catalog, localizer, resolve_language
from bot.i18n_check import LOCALE_DIR, catalog_path, check, extract

NBSP = "\u00a0"
COUNTS = (1, 2, 5, 11, 21, 22, 25)

SIGNATURES = {
    "en": ("signature", "signatures", "signatures", "signatures", "signatures", "signatures",
           "signatures"),
    "be": ("подпіс", "подпісы", "подпісаў", "подпісаў", "подпіс", "подпісы", "подпісаў"),
    "ru": ("подпись", "подписи", "подписей", "подписей", "подпись", "подписи", "подписей"),
    "uk": ("підпис", "підписи", "підписів", "підписів", "підпис", "підписи", "підписів"),
}  # fmt: skip


# -- plurals -----------------------------------------------------------------------------------
@pytest.mark.parametrize("language", ["en", "be", "ru", "uk"])
@pytest.mark.parametrize(("index", "n"), list(enumerate(COUNTS)))
def test_signature_plural_forms(language: str, index: int, n: int) -> None:
    text = localizer(language).tn("{count} signature", "{count} signatures", n)
    assert text == f"{n} {SIGNATURES[language][index]}"


def test_plural_forms_of_other_nouns() -> None:
    ru, uk, be = localizer("ru"), localizer("uk"), localizer("be")
    petitions = ("{count} petition", "{count} petitions")
    assert [ru.tn(*petitions, n) for n in (1, 3, 12)] == ["1 петиция", "3 петиции", "12 петиций"]
    assert [uk.tn(*petitions, n) for n in (1, 3, 12)] == ["1 петиція", "3 петиції", "12 петицій"]
    assert [be.tn(*petitions, n) for n in (1, 3, 12)] == ["1 петыцыя", "3 петыцыі", "12 петыцый"]
    signers = ("{count} signer — help us get to {goal}", "{count} signers — help us get to {goal}")
    assert ru.tn(*signers, 22, goal=1000) == f"22 подписанта — помогите дойти до 1{NBSP}000"
    assert uk.tn(*signers, 25, goal=100) == "25 підписантів — допоможіть дійти до 100"
    assert be.tn(*signers, 21, goal=50) == "21 падпісант — дапамажыце дайсці да 50"


def test_plural_count_is_formatted_per_locale() -> None:
    assert localizer("en").tn("{count} signature", "{count} signatures", 1021) == (
        "1,021 signatures"
    )
    assert localizer("ru").tn("{count} signature", "{count} signatures", 1021) == (
        f"1{NBSP}021 подпись"
    )
    assert localizer("uk").tn("{count} signature", "{count} signatures", 12_345) == (
        f"12{NBSP}345 підписів"
    )


def test_catalog_headers_have_three_east_slavic_plural_forms() -> None:
    for language in ("be", "ru", "uk"):
        with catalog_path(language).open("rb") as handle:
            catalog = read_po(handle, locale=language)
        assert catalog.num_plurals == 3
        index = load_catalog(language).plural_index
        assert [index(n) for n in (1, 2, 4, 5, 11, 12, 14, 21, 22, 25, 101, 111)] == [
            0, 1, 1, 2, 2, 2, 2, 0, 1, 2, 0, 2,
        ]  # fmt: skip


# -- numbers and dates -------------------------------------------------------------------------
def test_numbers_are_formatted_per_locale() -> None:
    assert localizer("en").number(1000) == "1,000"
    assert localizer("en").number(1_234_567) == "1,234,567"
    for language in ("be", "ru", "uk"):
        assert localizer(language).number(1000) == f"1{NBSP}000"
        assert localizer(language).number(1_234_567) == f"1{NBSP}234{NBSP}567"


def test_numbers_inside_messages_are_localized() -> None:
    text = "**{total} so far!** Help us get to **{goal}** signers!"
    assert localizer("en").t(text, total=678, goal=1000) == (
        "**678 so far!** Help us get to **1,000** signers!"
    )
    assert localizer("ru").t(text, total=678, goal=1000) == (
        f"**Уже 678!** Помогите нам дойти до **1{NBSP}000**!"
    )


def test_dates_are_formatted_per_locale() -> None:
    day = date(2026, 11, 24)
    assert localizer("en").date(day) == "Nov 24, 2026"
    assert localizer("ru").date(day) == "24 нояб. 2026\u202fг."
    assert localizer("uk").date(day) == "24 лист. 2026\u202fр."
    assert localizer("be").date(day).startswith("24 ")


# -- which language ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("member_choice", "discord_locale", "server_language", "expected"),
    [
        ("be", "ru", "uk", "be"),  # the member's own choice wins over everything
        ("en", "uk", "ru", "en"),
        (None, "ru", "be", "ru"),  # then the Discord client's locale
        (None, "uk", "en", "uk"),
        (None, "en-US", "ru", "en"),
        (None, "en-GB", "be", "en"),
        (None, "de", "be", "be"),  # a locale Rally lacks falls to the server's language
        (None, "pl", None, "en"),  # and then to English
        (None, None, "uk", "uk"),
        (None, None, None, "en"),
        ("xx", None, "ru", "ru"),  # an unknown choice is ignored
    ],
)
def test_resolve_language_precedence(
    member_choice: str | None, discord_locale: str | None, server_language: str | None,
    expected: str,
) -> None:  # fmt: skip
    assert (
        resolve_language(
            member_choice=member_choice,
            discord_locale=discord_locale,
            server_language=server_language,
        )
        == expected
    )


# -- translated messages -----------------------------------------------------------------------
def show(language: str, error: Any) -> str:
    """An error as `bot.tree` shows it to a member."""
    return localizer(language).t(error.template, **error.params)


def test_domain_error_is_translated() -> None:
    error = PetitionNotFound(code="PMFZYI")
    assert show("en", error) == "There is no petition with the code PMFZYI in this server."
    assert show("ru", error) == "На этом сервере нет петиции с кодом PMFZYI."
    assert show("uk", error) == "На цьому сервері немає петиції з кодом PMFZYI."
    assert show("be", error) == "На гэтым серверы няма петыцыі з кодам PMFZYI."


def test_lazy_field_name_is_translated_inside_the_error() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_draft(title="  ", recipient="Parliament", letter="Please.", link=None, goal=None)
    assert show("ru", caught.value) == "Поле «название» не может быть пустым."
    assert show("uk", caught.value) == "Поле «назва» не може бути порожнім."
    assert show("be", caught.value) == "Поле «назва» не можа быць пустым."


def test_untranslated_message_falls_back_to_english() -> None:
    assert localizer("ru").t("Not a catalog string {x}", x=5) == "Not a catalog string 5"


def test_belarusian_letters_survive() -> None:
    be = localizer("be")
    assert "ў" in be.t("Only members with the Manage Server permission can do that.")
    assert "і" in be.t("Share") + be.t("Version")


# -- the catalog check -------------------------------------------------------------------------
def test_repo_catalogs_are_complete() -> None:
    assert check(extract()) == []


def test_check_fails_on_a_planted_missing_string(tmp_path: Path) -> None:
    shutil.copytree(LOCALE_DIR, tmp_path, dirs_exist_ok=True)
    planted = catalog_path("ru", tmp_path)
    with planted.open("rb") as handle:
        catalog = read_po(handle, locale="ru")
    victim = "Sign a petition"
    assert victim in catalog
    catalog.delete(victim)
    with planted.open("wb") as handle:
        write_po(handle, catalog, width=100, omit_header=False, no_location=True)

    problems = check(extract(), base=tmp_path)

    assert len(problems) == 1
    assert problems[0].startswith(f"ru: missing translation for {victim!r}")


def test_check_fails_on_a_broken_placeholder(tmp_path: Path) -> None:
    shutil.copytree(LOCALE_DIR, tmp_path, dirs_exist_ok=True)
    planted = catalog_path("uk", tmp_path)
    with planted.open("rb") as handle:
        catalog = read_po(handle, locale="uk")
    catalog["Goal: {goal}"].string = "Мета: {ціль}"
    with planted.open("wb") as handle:
        write_po(handle, catalog, width=100, omit_header=False, no_location=True)

    problems = check(extract(), base=tmp_path)

    assert problems == ["uk: placeholders differ for 'Goal: {goal}': ['ціль'] vs ['goal']"]


# -- slash-command names -----------------------------------------------------------------------
def name_strings() -> dict[str, str]:
    return {
        text: where
        for text, where in command_strings().items()
        if where.endswith(" name") or where.startswith("option of")
    }


@pytest.mark.parametrize("language", ["be", "ru", "uk"])
def test_every_translated_command_name_is_valid(language: str) -> None:
    messages = load_catalog(language).messages
    names = name_strings()
    assert "sign" in names and "petition" in names
    bad = {text: messages.get(text) for text in names if not valid_name(messages.get(text, ""))}
    assert bad == {}


def test_command_names_in_russian_and_ukrainian() -> None:
    assert load_catalog("ru").messages["petition"] == "петиция"
    assert load_catalog("ru").messages["sign"] == "подписать"
    assert load_catalog("uk").messages["petition"] == "петиція"
    assert load_catalog("uk").messages["sign"] == "підписати"


async def test_translator_localizes_every_command_without_clashes() -> None:
    """The payloads discord.py would sync: every name localized, unique, descriptions fit."""
    tree: app_commands.CommandTree[Any] = app_commands.CommandTree(
        discord.Client(intents=discord.Intents.none())
    )
    for cls in _cog_classes():
        cog = cls(None)
        group = cog.__cog_app_commands_group__
        for command in [group] if group is not None else cog.get_app_commands():
            tree.add_command(command)
    translator = RallyTranslator()
    payloads = [await c.get_translated_payload(tree, translator) for c in tree.get_commands()]
    problems: list[str] = []

    def walk(siblings: list[dict[str, Any]], where: str) -> None:
        for locale in (locale.value for locale in COMMAND_LOCALES):
            names = [item.get("name_localizations", {}).get(locale) for item in siblings]
            for item, name in zip(siblings, names, strict=True):
                if name is None:
                    problems.append(f"{where}{item['name']}: no {locale} name")
                elif not valid_name(name):
                    problems.append(f"{where}{item['name']}: bad {locale} name {name!r}")
                description = item.get("description_localizations", {}).get(locale)
                if "description" in item and not description:
                    problems.append(f"{where}{item['name']}: no {locale} description")
                if description and len(description) > 100:
                    problems.append(f"{where}{item['name']}: {locale} description too long")
            present = [n for n in names if n]
            if len(set(present)) != len(present):
                problems.append(f"{where}: {locale} names clash: {present}")
        for item in siblings:
            walk(item.get("options", []), f"{where}{item['name']} ")

    walk(payloads, "/")
    assert problems == []


async def test_translator_answers_russian_and_skips_other_locales() -> None:
    translator = RallyTranslator()
    context: app_commands.TranslationContext[Any, None] = app_commands.TranslationContext(
        location=app_commands.TranslationContextLocation.other, data=None
    )
    sign = app_commands.locale_str("sign")
    assert await translator.translate(sign, discord.Locale.russian, context) == "подписать"
    assert await translator.translate(sign, discord.Locale.ukrainian, context) == "підписати"
    assert await translator.translate(sign, discord.Locale.german, context) is None


@given(st.integers(min_value=-(10**12), max_value=10**12), st.sampled_from(sorted(LANGUAGES)))
def test_numbers_read_exactly_as_babel_writes_them(value: int, language: str) -> None:
    """The fast path for whole numbers gives Babel's own result, in every language."""
    tr = localizer(language)
    assert tr.number(value) == format_decimal(value, locale=tr.locale)
    assert tr.number(value + 0.5) == format_decimal(value + 0.5, locale=tr.locale)
