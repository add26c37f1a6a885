"""Webhook payloads: Action Network's OSDI signature events and Rally's generic format.

Pure functions over parsed JSON. Each event of a batch is checked on its own: a bad one becomes an
`EventProblem` (its index and an English reason for the sender, never the value, which may be
personal) and the others are kept.

**Action Network** POSTs a JSON array; each element wraps one event by its type, e.g.
``{"osdi:signature": {...}, "action_network:sponsor": {...}, "idempotency_key": "…"}``. A signature
has ``identifiers``, ``created_date``, ``person`` (``given_name``, ``family_name``,
``email_addresses``, ``postal_addresses``, ``phone_numbers``) and
``action_network:referrer_data`` (``source``, ``referrer``, ``website``). Other event types (an
attendance, a donation…) are not signatures: they are ignored and reported as such.

**Generic**: ``{"signatures": [ {...}, … ]}`` (or a bare array, or one object) of up to
`GENERIC_MAX_EVENTS` items: ``external_id`` (required, the sender's id of the signature),
``name``, ``email``, ``postal_code``, ``phone``, ``signed_at`` (ISO 8601), ``referral``. Each
needs an email, or a name and a postal code. The body is signed: ``X-Rally-Signature: sha256=`` +
hex HMAC-SHA256 of the raw body with the petition's webhook secret.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.domain.drives import normalize_referral
from bot.domain.sealing import canonical_email
from bot.domain.signers import (
    EMAIL_BAD,
    clean,
    name_problem,
    phone_problem,
    postal_problem,
)

Kind = Literal["actionnetwork", "generic"]
GENERIC_MAX_EVENTS = 1000
AN_MAX_EVENTS = 1000
KEY_MAX = 200
SIGNATURE_HEADER = "X-Rally-Signature"
SECRET_HEADER = "X-Rally-Secret"  # noqa: S105 (a header name)

NOT_A_SIGNATURE = "not a petition signature (osdi:signature); ignored"
NO_KEY = "neither idempotency_key nor identifiers: the event cannot be counted exactly once"
NO_CONTACT = "neither an email address nor a name with a postal code"
FUTURE = "signed_at is in the future"
NOT_AN_OBJECT = "the event is not a JSON object"


# -- the two formats ----------------------------------------------------------------------------
class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True, str_max_length=10_000)


class AnEmail(_Model):
    address: str | None = None
    primary: bool | None = None


class AnPostalAddress(_Model):
    postal_code: str | None = None
    country: str | None = None
    primary: bool | None = None


class AnPhone(_Model):
    number: str | None = None
    primary: bool | None = None


class AnPerson(_Model):
    given_name: str | None = None
    family_name: str | None = None
    email_addresses: list[AnEmail] = Field(default_factory=list)
    postal_addresses: list[AnPostalAddress] = Field(default_factory=list)
    phone_numbers: list[AnPhone] = Field(default_factory=list)


class AnReferrer(_Model):
    source: str | None = None
    referrer: str | None = None
    website: str | None = None


class AnSignature(_Model):
    identifiers: list[str] = Field(default_factory=list)
    created_date: datetime | None = None
    person: AnPerson
    referrer_data: AnReferrer | None = Field(default=None, alias="action_network:referrer_data")


class AnEvent(_Model):
    signature: AnSignature | None = Field(default=None, alias="osdi:signature")
    sponsor: dict[str, Any] | None = Field(default=None, alias="action_network:sponsor")
    idempotency_key: str | None = Field(default=None, max_length=KEY_MAX)


class GenericSignature(_Model):
    external_id: str = Field(min_length=1, max_length=KEY_MAX)
    name: str | None = Field(default=None, max_length=300)
    email: str | None = Field(default=None, max_length=300)
    postal_code: str | None = Field(default=None, max_length=40)
    phone: str | None = Field(default=None, max_length=40)
    signed_at: datetime | None = None
    referral: str | None = Field(default=None, max_length=40)


# -- what the processor needs -------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Incoming:
    """One signature as a sender gave it, checked. `email_key` is the canonical email."""

    index: int
    event_key: str
    external_id: str | None
    name: str | None
    email: str | None
    email_key: str | None
    postal_code: str | None
    phone: str | None
    signed_at: datetime
    referral: str | None


@dataclass(frozen=True, slots=True)
class EventProblem:
    index: int
    reason: str
    ignored: bool = False  # not an error: an event type Rally does not count


@dataclass(frozen=True, slots=True)
class Parsed:
    events: list[Incoming]
    problems: list[EventProblem]


class PayloadError(ValueError):
    """The body as a whole is unusable (400); the message is the reason for the sender."""


# -- parsing ------------------------------------------------------------------------------------
def _reason(error: ValidationError) -> str:
    first = error.errors(include_url=False, include_input=False)[0]
    where = ".".join(str(part) for part in first["loc"]) or "event"
    return f"{where}: {first['msg']}"


def _pick(items: list[Any], value: str) -> str | None:
    """The primary item's value, else the first non-empty one."""
    ordered = sorted(items, key=lambda item: not getattr(item, "primary", False))
    for item in ordered:
        text = clean(getattr(item, value, None))
        if text:
            return text
    return None


def check_person(
    *,
    index: int,
    event_key: str,
    external_id: str | None,
    name: str | None,
    email: str | None,
    postal_code: str | None,
    phone: str | None,
    signed_at: datetime | None,
    referral: str | None,
    now: datetime,
) -> Incoming | EventProblem:
    """The checks every format shares; the reasons never repeat a value."""
    name = clean(name) or None
    email = clean(email) or None
    postal = clean(postal_code).upper() or None
    phone = clean(phone) or None
    problem: str | None = None
    if name is not None:
        problem = name_problem(name)
    email_key = canonical_email(email) if email is not None else None
    if problem is None and email is not None and email_key is None:
        problem = EMAIL_BAD
    if problem is None and postal is not None:
        problem = postal_problem(postal)
    if problem is None and phone is not None:
        problem = phone_problem(phone)
    if problem is None and email_key is None and (name is None or postal is None):
        problem = NO_CONTACT
    moment = signed_at or now
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    if problem is None and moment > now + timedelta(days=1):
        problem = FUTURE
    if problem is not None:
        return EventProblem(index, problem)
    code = normalize_referral(referral) if referral else None
    return Incoming(
        index=index,
        event_key=event_key,
        external_id=external_id,
        name=name,
        email=email,
        email_key=email_key,
        postal_code=postal,
        phone=phone,
        signed_at=moment,
        referral=code,
    )


def _keep(
    checked: Incoming | EventProblem, events: list[Incoming], problems: list[EventProblem]
) -> None:
    if isinstance(checked, Incoming):
        events.append(checked)
    else:
        problems.append(checked)


def parse_actionnetwork(body: Any, now: datetime) -> Parsed:
    """Action Network's array of events (one object is taken as an array of one)."""
    items = [body] if isinstance(body, dict) else body
    if not isinstance(items, list) or not items:
        raise PayloadError("expected a JSON array of Action Network events")
    if len(items) > AN_MAX_EVENTS:
        raise PayloadError(f"at most {AN_MAX_EVENTS} events per request")
    events: list[Incoming] = []
    problems: list[EventProblem] = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            problems.append(EventProblem(index, NOT_AN_OBJECT))
            continue
        try:
            event = AnEvent.model_validate(item)
        except ValidationError as exc:
            problems.append(EventProblem(index, _reason(exc)))
            continue
        signature = event.signature
        if signature is None:
            problems.append(EventProblem(index, NOT_A_SIGNATURE, ignored=True))
            continue
        identifier = next(
            (i for i in signature.identifiers if i.startswith("action_network:")),
            signature.identifiers[0] if signature.identifiers else None,
        )
        key = event.idempotency_key or identifier
        if not key:
            problems.append(EventProblem(index, NO_KEY))
            continue
        person = signature.person
        name = " ".join(p for p in (person.given_name, person.family_name) if p and p.strip())
        referrer = signature.referrer_data.referrer if signature.referrer_data else None
        checked = check_person(
            index=index,
            event_key=f"an:{key[:KEY_MAX]}",
            external_id=(identifier or key)[:KEY_MAX],
            name=name or None,
            email=_pick(person.email_addresses, "address"),
            postal_code=_pick(person.postal_addresses, "postal_code"),
            phone=_pick(person.phone_numbers, "number"),
            signed_at=signature.created_date,
            referral=referrer,
            now=now,
        )
        _keep(checked, events, problems)
    return Parsed(events, problems)


def parse_generic(body: Any, now: datetime) -> Parsed:
    """Rally's generic format: ``{"signatures": [...]}``, a bare array, or one object."""
    if isinstance(body, dict) and "signatures" in body:
        items = body["signatures"]
    elif isinstance(body, dict):
        items = [body]
    else:
        items = body
    if not isinstance(items, list) or not items:
        raise PayloadError('expected {"signatures": [ ... ]} with at least one signature')
    if len(items) > GENERIC_MAX_EVENTS:
        raise PayloadError(f"at most {GENERIC_MAX_EVENTS} signatures per request")
    events: list[Incoming] = []
    problems: list[EventProblem] = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            problems.append(EventProblem(index, NOT_AN_OBJECT))
            continue
        try:
            row = GenericSignature.model_validate(item)
        except ValidationError as exc:
            problems.append(EventProblem(index, _reason(exc)))
            continue
        external_id = row.external_id.strip()
        checked = check_person(
            index=index,
            event_key=f"g:{external_id}",
            external_id=external_id,
            name=row.name,
            email=row.email,
            postal_code=row.postal_code,
            phone=row.phone,
            signed_at=row.signed_at,
            referral=row.referral,
            now=now,
        )
        _keep(checked, events, problems)
    return Parsed(events, problems)


def parse(kind: Kind, body: Any, now: datetime) -> Parsed:
    return parse_actionnetwork(body, now) if kind == "actionnetwork" else parse_generic(body, now)


# -- authentication -----------------------------------------------------------------------------
def body_signature(secret: str, body: bytes) -> str:
    """What `X-Rally-Signature` must say for `body`: ``sha256=`` + hex HMAC-SHA256."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_matches(secret: str, body: bytes, header: str | None) -> bool:
    """Constant-time check of an `X-Rally-Signature` header (the ``sha256=`` prefix optional)."""
    if not header:
        return False
    given = header.strip()
    if not given.startswith("sha256="):
        given = "sha256=" + given
    return hmac.compare_digest(given.lower().encode(), body_signature(secret, body).encode())


def secret_matches(secret: str, given: str | None) -> bool:
    """Constant-time check of a secret given in the URL or the `X-Rally-Secret` header."""
    return given is not None and hmac.compare_digest(given.strip().encode(), secret.encode())
