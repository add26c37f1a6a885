"""Webhook payloads for tests: Action Network's own documented example, and the
generic format, with helpers to make batches of distinct people from them."""

from __future__ import annotations

import copy
import json
from typing import Any

#: Action Network's example signature webhook, as its documentation shows it
#: (https://actionnetwork.org/docs/webhooks, "An example webhook payload from a signature event").
AN_EXAMPLE: list[dict[str, Any]] = json.loads(
    """
[
  {
    "osdi:signature": {
      "identifiers": ["action_network:d6bdf50e-c3a4-4981-a948-3d8c086066d7"],
      "created_date": "2018-11-12T17:07:31Z",
      "modified_date": "2018-11-12T17:07:31Z",
      "comments": "Stop doing the thing",
      "action_network:referrer_data": {"source": "facebook"},
      "person": {
        "created_date": "2018-11-12T17:07:31Z",
        "modified_date": "2018-11-12T17:07:31Z",
        "family_name": "Smith",
        "given_name": "John",
        "postal_addresses": [
          {
            "primary": true,
            "region": "California",
            "postal_code": "904043",
            "country": "US",
            "location": {"latitude": 34.0335, "longitude": -118.474, "accuracy": "Approximate"}
          }
        ],
        "email_addresses": [
          {"address": "jsmith@mail.com", "primary": true, "status": "subscribed"}
        ],
        "phone_numbers": [
          {"primary": true, "number": "12024444444", "number_type": "Mobile",
           "status": "subscribed"}
        ],
        "custom_fields": {"employer": "Action Squared"},
        "languages_spoken": ["en"]
      },
      "add_tags": ["volunteer", "member"],
      "_links": {
        "self": {"href": "https://actionnetwork.org/api/v2/petitions/9f837109-710d-442f-8a99-857a21f36d25/signatures/d6bdf50e-c3a4-4981-a948-3d8c086066d7"},
        "osdi:petition": {"href": "https://actionnetwork.org/api/v2/petitions/9f837109-710d-442f-8a99-857a21f36d25"},
        "osdi:person": {"href": "https://actionnetwork.org/api/v2/people/699da712-929f-11e3-a2e9-12313d316c29"}
      }
    },
    "action_network:sponsor": {
      "title": "Progressive Action Now",
      "url": "https://actionnetwork.org/groups/progressive-action-now"
    },
    "idempotency_key": "1679091c5a880faf6fb5e6087eb1b2dc"
  }
]
"""
)


def an_event(n: int, *, referrer: str | None = None, **person: Any) -> dict[str, Any]:
    """The documented example as person number `n`: its own key, id, email and postal code."""
    event = copy.deepcopy(AN_EXAMPLE[0])
    signature = event["osdi:signature"]
    signature["identifiers"] = [f"action_network:00000000-0000-4000-8000-{n:012d}"]
    signature["person"]["given_name"] = f"John{n}"
    signature["person"]["email_addresses"][0]["address"] = f"jsmith{n}@mail.com"
    signature["person"]["postal_addresses"][0]["postal_code"] = f"{90000 + n % 9999}"
    signature["person"].update(person)
    if referrer is not None:
        signature["action_network:referrer_data"] = {"source": "email", "referrer": referrer}
    event["idempotency_key"] = f"{n:032x}"
    return event


def an_batch(start: int, count: int) -> list[dict[str, Any]]:
    return [an_event(n) for n in range(start, start + count)]


def generic_row(n: int, **fields: Any) -> dict[str, Any]:
    return {
        "external_id": f"form-{n}",
        "name": f"Anna Kowalska {n}",
        "email": f"anna{n}@example.org",
        "postal_code": f"02-{n % 1000:03d}",
        "signed_at": "2026-11-24T10:00:00Z",
        **fields,
    }


def generic_body(start: int, count: int) -> bytes:
    rows = [generic_row(n) for n in range(start, start + count)]
    return json.dumps({"signatures": rows}).encode()
