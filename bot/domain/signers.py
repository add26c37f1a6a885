"""A signer's delivery details as typed: the rules for a name, a postal code, an email, a phone.

The same checks serve the member's modal (an error to show) and an imported row (a reason to list
beside its line number). A check returns None when the value is fine, else a message template.
Messages never repeat the value: it is personal data, and import reports must not carry it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot.domain.errors import InvalidInput
from bot.domain.sealing import canonical_email
from bot.i18n import N_, Lazy

NAME_MAX = 100
POSTAL_MAX = 12
EMAIL_MAX = 254
PHONE_MAX = 25
PUBLIC_NAME_MAX = 32
#: A cell a spreadsheet would run as a formula starts with one of these.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
POSTAL_PATTERN = re.compile(r"^[0-9A-Za-z][0-9A-Za-z \-]{1,11}$")
PHONE_PATTERN = re.compile(r"^\+?[0-9 ().\-]{6,25}$")

NO_NAME = N_("the name is missing")
NAME_TOO_LONG = N_("the name is longer than 100 characters")
NAME_FORMULA = N_("the name starts with = + - or @, like a spreadsheet formula")
NAME_CONTROL = N_("the name contains control characters")
POSTAL_BAD = N_("the postal code is not valid: use 2 to 12 letters, digits, spaces or hyphens")
EMAIL_BAD = N_("the email address is not valid")
PHONE_BAD = N_("the phone number is not valid: use digits, spaces, + ( ) . or -")
NO_CONTACT = N_("the row has neither a postal code nor an email address")


CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
NON_DIGITS = re.compile(r"\D")


def clean(value: str | None) -> str:
    """Unicode-normalized (NFKC), whitespace collapsed, trimmed."""
    text = value or ""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    return " ".join(text.split())


def name_problem(name: str) -> str | None:
    if not name:
        return NO_NAME
    if len(name) > NAME_MAX:
        return NAME_TOO_LONG
    if name.startswith(FORMULA_STARTS):
        return NAME_FORMULA
    if CONTROL.search(name):
        return NAME_CONTROL
    return None


def postal_problem(postal: str) -> str | None:
    ok = POSTAL_PATTERN.match(postal) and any(ch.isdigit() for ch in postal)
    return None if ok else POSTAL_BAD


def email_problem(email: str) -> str | None:
    return None if canonical_email(email) is not None else EMAIL_BAD


def phone_problem(phone: str) -> str | None:
    digits = len(NON_DIGITS.sub("", phone))
    return None if PHONE_PATTERN.match(phone) and 6 <= digits <= 15 else PHONE_BAD


@dataclass(frozen=True, slots=True)
class SignerDetails:
    """What a member gives once for delivery: sealed before it is stored."""

    name: str
    postal_code: str
    email: str | None = None
    phone: str | None = None


def parse_details(
    *, name: str, postal_code: str, email: str | None = None, phone: str | None = None
) -> SignerDetails:
    """Checked and tidied details; `InvalidInput` naming the first problem."""
    cleaned_name = clean(name)
    cleaned_postal = clean(postal_code).upper()
    cleaned_email = clean(email) or None
    cleaned_phone = clean(phone) or None
    problem = name_problem(cleaned_name) or postal_problem(cleaned_postal)
    if problem is None and cleaned_email is not None:
        problem = email_problem(cleaned_email)
    if problem is None and cleaned_phone is not None:
        problem = phone_problem(cleaned_phone)
    if problem is not None:
        raise InvalidInput(
            N_("Rally could not save your details: {problem}."), problem=Lazy(problem)
        )
    return SignerDetails(cleaned_name, cleaned_postal, cleaned_email, cleaned_phone)


def parse_public_name(raw: str) -> str:
    """The name a member chose to show publicly (their own choice, so kept in plain text)."""
    name = clean(raw)
    problem = name_problem(name)
    if problem is None and len(name) > PUBLIC_NAME_MAX:
        problem = N_("the name is longer than 32 characters")
    if problem is not None:
        raise InvalidInput(
            N_("Rally could not use that public name: {problem}."), problem=Lazy(problem)
        )
    return name
