"""CSV rows in and out: encodings, delimiters, header names, one signer row, and safe cells.

Reading accepts Action Network's export (first_name, last_name, email, zip_code, can2_phone,
created_at, …), a plain generic CSV (name, email, postal code, phone, date, referral) and the
Russian/Belarusian/Ukrainian headers spreadsheets in our communities use. Unknown columns are
ignored. Writing escapes every cell a spreadsheet would run as a formula (CSV injection).

Pure functions over text and bytes: the caller opens the file and runs this in a thread.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.domain.sealing import canonical_email
from bot.domain.signer_errors import ImportEmpty, ImportMissingColumns, ImportNotText
from bot.domain.signers import (
    EMAIL_BAD,
    FORMULA_STARTS,
    NO_CONTACT,
    clean,
    name_problem,
    phone_problem,
    postal_problem,
)
from bot.i18n import N_, Lazy

PROBE_BYTES = 64 * 1024
DELIMITERS = (",", ";", "\t")

#: Normalized header → field. Headers are lower-cased, with spaces, dashes and dots as "_".
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "name": (
        "name", "full_name", "fullname", "your_name", "signer", "signer_name",
        "фио", "імя_і_прозвішча", "піб",
    ),
    "first_name": (
        "first_name", "firstname", "first", "given_name", "имя", "імя", "ім'я", "імʼя",
    ),
    "last_name": (
        "last_name", "lastname", "last", "surname", "family_name",
        "фамилия", "прозвішча", "прізвище",
    ),
    "email": (
        "email", "e_mail", "email_address", "mail", "эл_почта", "электронная_почта", "пошта",
    ),
    "postal_code": (
        "zip", "zip_code", "zipcode", "postal_code", "postcode", "post_code", "postal",
        "индекс", "почтовый_индекс", "індэкс", "паштовы_індэкс", "індекс", "поштовий_індекс",
    ),
    "phone": (
        "phone", "phone_number", "mobile", "mobile_number", "can2_phone", "телефон", "тэлефон",
    ),
    "date": ("date", "created_at", "created_date", "signed_at", "signed", "timestamp", "дата"),
    "referral": (
        "referral", "referral_code", "ref", "referrer", "source_code", "can2_source_code",
        "can2_referrer",
    ),
}  # fmt: skip
FIELD_BY_HEADER = {alias: name for name, aliases in HEADER_ALIASES.items() for alias in aliases}

DATE_FORMATS = (
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
)
DATE_BAD = N_("the date is not one Rally can read (use 2026-11-24 or 11/24/2026)")
DATE_FUTURE = N_("the date is in the future")
TOO_MANY_CELLS = N_("the row has more cells than the header (a stray delimiter or quote?)")
UNREADABLE = N_("the row could not be read as CSV")


# -- bytes → text ------------------------------------------------------------------------------
def detect_encoding(chunks: Callable[[], Iterable[bytes]]) -> str:
    """ "utf-8-sig" (UTF-8 with or without BOM) or "cp1251"; `ImportNotText`/`ImportEmpty`.

    `chunks()` gives the file's bytes from the start, each call afresh. The whole file is checked
    (a spreadsheet may have one Cyrillic name at row 90,000), in chunks, never all in memory.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    seen_text = False
    utf8 = True
    for chunk in chunks():
        if b"\x00" in chunk:
            raise ImportNotText()
        seen_text = seen_text or bool(chunk.strip())
        if utf8:
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                utf8 = False
    if not seen_text:
        raise ImportEmpty()
    if utf8:
        try:
            decoder.decode(b"", final=True)
            return "utf-8-sig"
        except UnicodeDecodeError:
            pass
    cp1251 = codecs.getincrementaldecoder("cp1251")()
    try:
        for chunk in chunks():
            cp1251.decode(chunk)
    except UnicodeDecodeError:
        raise ImportNotText() from None
    return "cp1251"


def sniff_delimiter(header_line: str) -> str:
    """The delimiter the header row uses most, outside quotes: ",", ";" or tab."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for char in header_line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


# -- headers -----------------------------------------------------------------------------------
def normalize_header(header: str) -> str:
    text = clean(header.replace("\ufeff", "")).strip("\"' ").lower()
    for char in " -./":
        text = text.replace(char, "_")
    return text


@dataclass(frozen=True, slots=True)
class ColumnMap:
    """Which cell holds what; None where the file has no such column."""

    width: int
    name: int | None = None
    first_name: int | None = None
    last_name: int | None = None
    email: int | None = None
    postal_code: int | None = None
    phone: int | None = None
    date: int | None = None
    referral: int | None = None


NEED_NAME = N_("a name (name, or first_name and last_name)")
NEED_CONTACT = N_("an email or a postal code (email, zip_code)")


def map_headers(headers: Sequence[str]) -> ColumnMap:
    """Map header cells to fields; `ImportMissingColumns` listing what was found."""
    found: dict[str, int] = {}
    for index, header in enumerate(headers):
        field_name = FIELD_BY_HEADER.get(normalize_header(header))
        if field_name is not None and field_name not in found:
            found[field_name] = index
    missing = []
    if "name" not in found and "first_name" not in found and "last_name" not in found:
        missing.append(NEED_NAME)
    if "email" not in found and "postal_code" not in found:
        missing.append(NEED_CONTACT)
    if missing:
        shown = ", ".join(clean(h)[:40] for h in headers if clean(h))[:600] or "—"
        raise ImportMissingColumns(
            missing=Lazy(missing[0]) if len(missing) == 1 else Lazy(NEED_BOTH),
            found=shown,
        )
    return ColumnMap(width=len(headers), **found)


NEED_BOTH = N_(
    "a name (name, or first_name and last_name) and an email or a postal code (email, zip_code)"
)


# -- one row -----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class SignerRow:
    """One signer as the file gives them, checked; `email_key` is the canonical email."""

    line: int
    name: str
    postal_code: str | None
    email: str | None
    email_key: str | None
    phone: str | None
    signed_at: datetime | None
    referral: str | None


@dataclass(frozen=True, slots=True)
class RowProblem:
    """A row Rally did not count: its line, why (a message template) and the template's params."""

    line: int
    kind: str  # "rejected" or "duplicate"
    reason: str
    params: dict[str, Any] = field(default_factory=dict)


def parse_date(text: str, now: datetime) -> datetime | str:
    """The moment in UTC, or a problem template."""
    value = text.strip()
    moment: datetime | None = None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        for pattern in DATE_FORMATS:
            try:
                moment = datetime.strptime(value, pattern)
                break
            except ValueError:
                continue
    if moment is None:
        return DATE_BAD
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    if moment > now + timedelta(days=1):
        return DATE_FUTURE
    return moment


def _cell(cells: Sequence[str], index: int | None) -> str:
    if index is None or index >= len(cells):
        return ""
    return clean(cells[index])


def read_row(
    cells: Sequence[str], columns: ColumnMap, line: int, now: datetime
) -> SignerRow | RowProblem:
    """Check one data row; a bad row is a `RowProblem`, never an exception."""
    if len(cells) > columns.width and any(c.strip() for c in cells[columns.width :]):
        return RowProblem(line, "rejected", TOO_MANY_CELLS)
    name = _cell(cells, columns.name)
    if not name:
        name = clean(f"{_cell(cells, columns.first_name)} {_cell(cells, columns.last_name)}")
    problem = name_problem(name)
    postal = _cell(cells, columns.postal_code).upper() or None
    email = _cell(cells, columns.email) or None
    phone = _cell(cells, columns.phone) or None
    if problem is None and postal is None and email is None:
        problem = NO_CONTACT
    if problem is None and postal is not None:
        problem = postal_problem(postal)
    email_key = canonical_email(email) if email is not None else None
    if problem is None and email is not None and email_key is None:
        problem = EMAIL_BAD
    if problem is None and phone is not None:
        problem = phone_problem(phone)
    signed_at: datetime | None = None
    raw_date = _cell(cells, columns.date)
    if problem is None and raw_date:
        parsed = parse_date(raw_date, now)
        if isinstance(parsed, str):
            problem = parsed
        else:
            signed_at = parsed
    if problem is not None:
        return RowProblem(line, "rejected", problem)
    referral = "".join(_cell(cells, columns.referral).split()).upper()[:32] or None
    return SignerRow(
        line=line,
        name=name,
        postal_code=postal,
        email=email,
        email_key=email_key,
        phone=phone,
        signed_at=signed_at,
        referral=referral,
    )


def numbered_rows(text: Iterable[str], delimiter: str) -> Iterator[tuple[int, list[str] | None]]:
    """(line where the record starts, its cells) for every record; cells None when the record
    cannot be read as CSV. Blank records are skipped. Line 1 is the header."""
    reader = csv.reader(text, delimiter=delimiter)
    previous = 0
    while True:
        start = previous + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error:
            previous = reader.line_num
            yield start, None
            continue
        previous = reader.line_num
        if cells and any(c.strip() for c in cells):
            yield start, cells


# -- writing -----------------------------------------------------------------------------------
def escape_cell(value: object) -> str:
    """A cell as text that no spreadsheet will run: formula-like cells get a leading '."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([escape_cell(h) for h in header])
    for row in rows:
        writer.writerow([escape_cell(cell) for cell in row])
    return out.getvalue()
