"""CSV rows: encodings, delimiters, header mapping, row checks and formula-safe cells."""

from __future__ import annotations

import csv
import io
import pickle
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.csv_rows import (
    RowProblem,
    SignerRow,
    csv_text,
    detect_encoding,
    escape_cell,
    map_headers,
    numbered_rows,
    read_row,
    sniff_delimiter,
)
from bot.domain.signer_errors import ImportEmpty, ImportMissingColumns, ImportNotText
from bot.i18n import localizer

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
AN_HEADER = [
    "first_name", "last_name", "email", "zip_code", "can2_user_address", "can2_user_city",
    "can2_state_abbreviated", "can2_phone", "can2_subscription_status", "created_at",
]  # fmt: skip


def chunks_of(data: bytes, size: int = 7) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (b"name,zip\nAnna,02134\n", "utf-8-sig"),
        ("\ufeffname,zip\nГанна,220030\n".encode(), "utf-8-sig"),
        ("name,zip\nГанна Кавалёва,220030\n".encode("cp1251"), "cp1251"),
        ("Фамилия;Індэкс\nІваноў;220004\n".encode("cp1251"), "cp1251"),
    ],
)
def test_encodings(data: bytes, encoding: str) -> None:
    # tiny chunks split multi-byte characters: the decoder must carry them over
    assert detect_encoding(lambda: chunks_of(data)) == encoding
    assert data.decode(encoding).splitlines()[1]


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"", ImportEmpty),
        (b"  \r\n\n", ImportEmpty),
        ("name\nAnna\n".encode("utf-16"), ImportNotText),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", ImportNotText),
        (b"name\n\x98\n", ImportNotText),
    ],
)
def test_not_csv_text(data: bytes, error: type[Exception]) -> None:
    with pytest.raises(error):
        detect_encoding(lambda: chunks_of(data))


def test_delimiters_are_sniffed_outside_quotes() -> None:
    assert sniff_delimiter("name;email;zip\n") == ";"
    assert sniff_delimiter("name\temail\tzip\n") == "\t"
    assert sniff_delimiter('"Name; full",email,zip\n') == ","
    assert sniff_delimiter("name\n") == ","


def test_action_network_and_generic_and_cyrillic_headers() -> None:
    an = map_headers(AN_HEADER)
    assert (an.first_name, an.last_name, an.email, an.postal_code, an.phone, an.date) == (
        0, 1, 2, 3, 7, 9,
    )  # fmt: skip
    generic = map_headers(["Full Name", "E-mail", "Postal Code", "Notes"])
    assert (generic.name, generic.email, generic.postal_code) == (0, 1, 2)
    cyrillic = map_headers(["Фамилия", "Имя", "Индекс", "Телефон"])
    assert (cyrillic.last_name, cyrillic.first_name, cyrillic.postal_code) == (0, 1, 2)


def test_a_missing_required_column_lists_the_headers_found() -> None:
    with pytest.raises(ImportMissingColumns) as refused:
        map_headers(["Vorname", "Telefon", "Stadt"])
    text = localizer("en").t(refused.value.template, **refused.value.params)
    assert "Headers found: Vorname, Telefon, Stadt" in text
    assert "a name" in text and "an email or a postal code" in text
    with pytest.raises(ImportMissingColumns) as no_contact:
        map_headers(["name", "phone"])
    assert "a name" not in localizer("en").t(no_contact.value.template, **no_contact.value.params)


def row(cells: list[str]) -> SignerRow | RowProblem:
    return read_row(cells, map_headers(AN_HEADER), 7, NOW)


def test_a_good_action_network_row() -> None:
    got = row(["Anna", "Kowalska", "Anna.K@Gmail.com", "02134", "1 Main", "Boston", "MA",
               "+1 617 555 0100", "subscribed", "2026-11-01 10:00:00"])  # fmt: skip
    assert isinstance(got, SignerRow)
    assert (got.name, got.email, got.email_key, got.postal_code) == (
        "Anna Kowalska", "Anna.K@Gmail.com", "annak@gmail.com", "02134",
    )  # fmt: skip
    assert got.signed_at == datetime(2026, 11, 1, 10, tzinfo=UTC) and got.line == 7


@pytest.mark.parametrize(
    ("cells", "reason"),
    [
        (["=1+1", "X", "a@example.org", "02134"], "formula"),
        (["@SUM(A1)", "", "a@example.org", ""], "formula"),
        (["-2+3", "", "a@example.org", ""], "formula"),
        (["", "", "a@example.org", "02134"], "name is missing"),
        (["Anna", "K", "", ""], "neither a postal code nor an email"),
        (["Anna", "K", "anna@", ""], "email address is not valid"),
        (["Anna", "K", "", "??"], "postal code is not valid"),
        (["Anna", "K", "", "02134", "", "", "", "555"], "phone number is not valid"),
        (["Anna", "K", "", "02134", "", "", "", "", "", "31/31/2026"], "not one Rally can read"),
        (["Anna", "K", "", "02134", "", "", "", "", "", "2030-01-01"], "in the future"),
        (["Anna", "K", "", "02134", "", "", "", "", "", "", "surplus"], "more cells"),
    ],
)
def test_bad_rows_say_why_without_repeating_the_data(cells: list[str], reason: str) -> None:
    got = row(cells)
    assert isinstance(got, RowProblem) and got.kind == "rejected" and got.line == 7
    text = localizer("en").t(got.reason, **got.params)
    assert reason in text
    assert "Anna" not in text and "example.org" not in text


@pytest.mark.parametrize(
    "value", ["11/24/2026", "24.11.2026", "2026-11-24", "2026-11-24T08:00:00Z", "11/24/2026 8:00"]
)
def test_dates_in_the_usual_spellings(value: str) -> None:
    got = row(["Anna", "K", "", "02134", "", "", "", "", "", value])
    assert isinstance(got, SignerRow) and got.signed_at is not None
    assert got.signed_at.date() == datetime(2026, 11, 24).date()


def test_record_line_numbers_with_quoted_line_breaks_and_blank_lines() -> None:
    text = 'name,zip\nA,1\n\n"B\nB",2\nC,3\n'
    assert [line for line, _ in numbered_rows(io.StringIO(text), ",")] == [1, 2, 4, 6]


@pytest.mark.parametrize(
    ("cell", "escaped"),
    [
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+1 617 555 0100", "'+1 617 555 0100"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTab", "'\tTab"),
        ("\rCR", "'\rCR"),
        ("Anna", "Anna"),
        ("", ""),
        (None, ""),
        (42, "42"),
    ],
)
def test_csv_injection_is_escaped(cell: object, escaped: str) -> None:
    assert escape_cell(cell) == escaped


@given(st.lists(st.lists(st.text(max_size=20), min_size=2, max_size=2), max_size=10))
def test_written_csv_reads_back_with_no_cell_a_formula(rows: list[list[str]]) -> None:
    text = csv_text(["a", "b"], rows)
    read = list(csv.reader(io.StringIO(text, newline="")))
    assert len(read) == len(rows) + 1
    for cells in read:
        assert not any(c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in cells)


def test_an_import_error_crosses_a_pickle_with_its_parameters() -> None:
    """An import's reader process hands its errors over pickled: the organizer's message must
    still name the columns it found."""
    with pytest.raises(ImportMissingColumns) as raised:
        map_headers(["Vorname", "Telefon"])
    copy = pickle.loads(pickle.dumps(raised.value))
    assert type(copy) is ImportMissingColumns
    assert (copy.template, copy.params) == (raised.value.template, raised.value.params)
    assert type(copy.params["missing"]) is type(raised.value.params["missing"])  # still Lazy
    said = localizer("ru").t(copy.template, **copy.params)
    assert said == localizer("ru").t(raised.value.template, **raised.value.params)
    assert "Vorname, Telefon" in said
