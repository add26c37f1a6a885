"""Webhook payloads: Action Network's documented example, the generic format, per-event checks."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime

import pytest

from bot.domain.webhooks import (
    NOT_A_SIGNATURE,
    PayloadError,
    body_signature,
    parse_actionnetwork,
    parse_generic,
    secret_matches,
    signature_matches,
)
from tests.webhook_payloads import AN_EXAMPLE, an_batch, an_event, generic_row

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def test_action_networks_documented_example_is_one_signature() -> None:
    parsed = parse_actionnetwork(copy.deepcopy(AN_EXAMPLE), NOW)
    assert parsed.problems == []
    [event] = parsed.events
    assert event.event_key == "an:1679091c5a880faf6fb5e6087eb1b2dc"
    assert event.external_id == "action_network:d6bdf50e-c3a4-4981-a948-3d8c086066d7"
    assert event.name == "John Smith"
    assert event.email_key == "jsmith@mail.com"
    assert event.postal_code == "904043"
    assert event.phone == "12024444444"
    assert event.signed_at == datetime(2018, 11, 12, 17, 7, 31, tzinfo=UTC)
    assert event.referral is None  # "source" is not a referral code


def test_a_batch_keeps_the_good_events_and_reports_the_bad_one() -> None:
    batch = an_batch(1, 5)
    batch[2]["osdi:signature"]["person"]["email_addresses"][0]["address"] = "not-an-email"
    batch[3] = {"osdi:attendance": {"person": {}}, "idempotency_key": "x"}
    parsed = parse_actionnetwork(batch, NOW)
    assert [e.index for e in parsed.events] == [0, 1, 4]
    reasons = {p.index: (p.reason, p.ignored) for p in parsed.problems}
    assert reasons == {
        2: ("the email address is not valid", False),
        3: (NOT_A_SIGNATURE, True),
    }
    assert "not-an-email" not in json.dumps([p.reason for p in parsed.problems])


@pytest.mark.parametrize(
    "postal",
    ["SW1A 1AA", "K1A 0B1", "02-134", "10115", "1010", "D02 X285", "220030", "100-0001"],
)
def test_postal_codes_of_any_country_are_accepted(postal: str) -> None:
    event = an_event(1)
    event["osdi:signature"]["person"]["postal_addresses"][0]["postal_code"] = postal
    parsed = parse_actionnetwork([event], NOW)
    assert [e.postal_code for e in parsed.events] == [postal.upper()]


@pytest.mark.parametrize("email", ["plainaddress", "a@b", "two@@example.org", "x y@example.org"])
def test_an_email_that_is_not_an_email_is_rejected(email: str) -> None:
    parsed = parse_generic({"signatures": [generic_row(1, email=email)]}, NOW)
    assert parsed.events == [] and parsed.problems[0].reason == "the email address is not valid"


def test_referrer_matches_a_referral_code() -> None:
    parsed = parse_actionnetwork([an_event(1, referrer="anna-7")], NOW)
    assert parsed.events[0].referral == "ANNA7"


def test_generic_format_fields_and_limits() -> None:
    parsed = parse_generic(
        {
            "signatures": [
                generic_row(1, referral="ben23", signed_at="2026-11-20T08:00:00+02:00"),
                generic_row(2, external_id=""),
                generic_row(3, email=None, postal_code=None),
                generic_row(4, signed_at="2027-01-01T00:00:00Z"),
                generic_row(5, name="=HYPERLINK(1)"),
                "not an object",
            ]
        },
        NOW,
    )
    [good] = parsed.events
    assert good.event_key == "g:form-1" and good.referral == "BEN23"
    assert good.signed_at == datetime(2026, 11, 20, 6, 0, tzinfo=UTC)
    reasons = {p.index: p.reason for p in parsed.problems}
    assert reasons[1].startswith("external_id")
    assert "neither an email" in reasons[2]
    assert reasons[3] == "signed_at is in the future"
    assert "formula" in reasons[4]
    assert reasons[5] == "the event is not a JSON object"
    with pytest.raises(PayloadError, match="at most 1000"):
        parse_generic([generic_row(n) for n in range(1001)], NOW)
    with pytest.raises(PayloadError):
        parse_generic({"signatures": []}, NOW)
    with pytest.raises(PayloadError):
        parse_actionnetwork("hello", NOW)


def test_an_event_without_any_key_is_rejected() -> None:
    event = an_event(1)
    del event["idempotency_key"]
    event["osdi:signature"]["identifiers"] = []
    assert "idempotency_key" in parse_actionnetwork([event], NOW).problems[0].reason


def test_hmac_signature_and_secret_checks() -> None:
    body = b'{"signatures": []}'
    header = body_signature("s3cret", body)
    assert header.startswith("sha256=") and len(header) == 7 + 64
    assert signature_matches("s3cret", body, header)
    assert signature_matches("s3cret", body, header.removeprefix("sha256=").upper())
    assert not signature_matches("other", body, header)
    assert not signature_matches("s3cret", body + b" ", header)
    assert not signature_matches("s3cret", body, None)
    assert secret_matches("abc", "abc") and not secret_matches("abc", "abd")
    assert not secret_matches("abc", None)
