"""`make i18n-check`: every catalog has every source string, nothing stale, placeholders intact.

`python -m bot.i18n_check --update` merges new source strings into the catalogs (empty
translations, for a translator to fill) and drops stale ones.
"""

from __future__ import annotations

import argparse
import string
import sys
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from bot.i18n import LANGUAGES, SOURCE_LANGUAGE

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("bot", "cogs")
KEYWORDS = {"t": None, "tn": (1, 2), "N_": None, "locale_str": None}
LOCALE_DIR = ROOT / "bot" / "locale"


@dataclass(frozen=True)
class SourceMessage:
    id: str
    plural: str | None
    where: str


def extract(roots: tuple[Path, ...] | None = None) -> dict[str, SourceMessage]:
    found: dict[str, SourceMessage] = {}
    for root in roots or tuple(ROOT / name for name in SOURCES):
        for filename, lineno, message, _comments, _context in extract_from_dir(
            root, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            if isinstance(message, tuple):
                singular, plural = message[0], message[1]
            else:
                singular, plural = message, None
            if singular and singular not in found:
                found[singular] = SourceMessage(
                    singular, plural, f"{root.name}/{filename}:{lineno}"
                )
    if roots is None:
        from bot.command_i18n import command_strings

        for text, where in command_strings().items():
            found.setdefault(text, SourceMessage(text, None, where))
    return found


def placeholders(text: str) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError:
        return {"<unbalanced braces>"}


def catalog_path(language: str, base: Path = LOCALE_DIR) -> Path:
    return base / language / "LC_MESSAGES" / "rally.po"


def _entries(catalog: Catalog) -> dict[str, tuple[str, ...]]:
    """msgid (singular) → its translated forms, for every entry of a catalog."""
    entries: dict[str, tuple[str, ...]] = {}
    for message in catalog:
        if not message.id:
            continue
        key = str(message.id[0] if isinstance(message.id, (tuple, list)) else message.id)
        raw = message.string
        forms = (
            tuple(str(f or "") for f in raw)
            if isinstance(raw, (tuple, list))
            else (str(raw or ""),)
        )
        entries[key] = forms
    return entries


def check(source: dict[str, SourceMessage], base: Path = LOCALE_DIR) -> list[str]:
    problems: list[str] = []
    for language in LANGUAGES:
        if language == SOURCE_LANGUAGE:
            continue
        path = catalog_path(language, base)
        if not path.exists():
            problems.append(f"{language}: no catalog at {path}")
            continue
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=language)
        present = _entries(catalog)
        for key, wanted in source.items():
            forms = present.get(key)
            if forms is None or not all(forms):
                problems.append(f"{language}: missing translation for {key!r} ({wanted.where})")
                continue
            plural = wanted.plural or ""
            expected = placeholders(key) | placeholders(plural)
            for form in forms:
                got = placeholders(form)
                if wanted.plural:
                    got |= {"count"}
                    expected_here = expected | {"count"}
                else:
                    expected_here = expected
                if got != expected_here and not (wanted.plural and got <= expected_here):
                    problems.append(
                        f"{language}: placeholders differ for {key!r}: {sorted(got)} vs "
                        f"{sorted(expected_here)}"
                    )
            if wanted.where.endswith("name") or wanted.where.startswith("option of "):
                from bot.command_i18n import valid_name

                if not valid_name(forms[0]):
                    problems.append(
                        f"{language}: {forms[0]!r} is not a valid Discord command name "
                        f"(lowercase letters, digits, - or _, at most 32) for {key!r}"
                    )
            if wanted.plural and len(forms) != catalog.num_plurals:
                problems.append(f"{language}: {key!r} needs {catalog.num_plurals} plural forms")
        for key in present:
            if key not in source:
                problems.append(f"{language}: stale entry {key!r} (no longer in the source)")
    return problems


def update(source: dict[str, SourceMessage], base: Path = LOCALE_DIR) -> None:
    for language in LANGUAGES:
        if language == SOURCE_LANGUAGE:
            continue
        path = catalog_path(language, base)
        old: dict[str, tuple[str, ...]] = {}
        if path.exists():
            with path.open("rb") as handle:
                old = _entries(read_po(handle, locale=language))
        catalog = Catalog(locale=language, project="Rally", domain="rally", charset="utf-8")
        for key, wanted in sorted(source.items()):
            msg_id: str | tuple[str, str] = (key, wanted.plural) if wanted.plural else key
            existing = old.get(key, ())
            if wanted.plural:
                forms = (
                    existing
                    if len(existing) == catalog.num_plurals
                    else ("",) * catalog.num_plurals
                )
                catalog.add(msg_id, string=forms)
            else:
                catalog.add(msg_id, string=existing[0] if existing else "")
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            write_po(handle, catalog, width=100, omit_header=False, no_location=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--update", action="store_true", help="merge source strings into catalogs")
    args = parser.parse_args(argv)
    source = extract()
    if args.update:
        update(source)
    problems = check(source)
    for problem in problems:
        print(problem)
    total = len(source)
    if problems:
        print(
            f"i18n-check: {len(problems)} problem(s) across {total} source strings", file=sys.stderr
        )
        return 1
    print(f"i18n-check: {total} strings, catalogs {', '.join(LANGUAGES[1:])} complete")
    return 0


if __name__ == "__main__":
    sys.exit(main())
