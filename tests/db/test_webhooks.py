"""Webhook events on a real SQLite file: stored first, counted later, exactly once, like any other
signature (goal, milestones, drives), retried after a failure, nothing personal in plain text."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.db import Database
from bot.db import webhooks as hooks_db
from bot.domain.errors import NotAnOrganizer
from bot.domain.signer_errors import HashKeyMissing
from bot.domain.webhooks import Kind, body_signature
from bot.services import Services
from bot.services.webhooks import MAX_ATTEMPTS, BadCredentials, UnknownPetition
from tests.conftest import FakeClock, member, organizer
from tests.db.signers_support import DRAFT, Keys, build, cells_containing, keys
from tests.webhook_payloads import AN_EXAMPLE, an_batch, an_event, generic_row

__all__ = ["keys"]


async def post(services: Services, kind: Kind, code: str, secret: str, data: Any) -> dict[str, Any]:
    """What the HTTP handler does, minus HTTP: authenticate, then accept."""
    body = json.dumps(data).encode()
    target = await services.webhooks.authenticate(
        kind,
        code,
        body,
        secret=secret if kind == "actionnetwork" else None,
        signature=body_signature(secret, body) if kind == "generic" else None,
    )
    return (await services.webhooks.accept(target, kind, data, len(body))).as_json()


async def setup(db: Database, clock: FakeClock, keys: Keys) -> tuple[Services, str, str, int]:
    services = build(db, clock, keys)
    petition = await services.petitions.create(organizer(), DRAFT)
    info = await services.webhooks.endpoint(organizer(), petition.code)
    return services, petition.code, info.secret, petition.id


async def signatures(db: Database) -> list[tuple[Any, ...]]:
    async with db.read() as conn:
        rows = await conn.fetchall(
            "SELECT source, external_id, signer_number, signed_at FROM signatures "
            "ORDER BY signer_number"
        )
    return [tuple(r) for r in rows]


async def test_action_networks_example_is_counted_once_and_stored_sealed(
    db: Database, clock: FakeClock, keys: Keys
) -> None:
    services, code, secret, petition_id = await setup(db, clock, keys)
    answer = await post(services, "actionnetwork", code, secret, AN_EXAMPLE)
    assert answer == {"accepted": 1, "duplicates": 0, "ignored": 0, "rejected": []}
    assert await services.webhooks.backlog() == 1
    assert (await services.petitions.get_by_id(petition_id)).total == 0  # not yet counted
    processed = await services.webhooks.process_all()
    assert [(p.counted, p.duplicates) for p in processed] == [(1, 0)]
    assert await signatures(db) == [
        (
            "webhook",
            "action_network:d6bdf50e-c3a4-4981-a948-3d8c086066d7",
            1,
            "2018-11-12T17:07:31+00:00",
        )
    ]
    assert (await services.petitions.get_by_id(petition_id)).total == 1
    assert await services.webhooks.backlog() == 0
    plain = ["jsmith@mail.com", "John", "Smith", "904043", "12024444444", secret]
    assert await cells_containing(db, plain) == []
    async with db.read() as conn:
        sealed = await conn.fetchone("SELECT sealed_name, sealed_email FROM signers")
    assert sealed is not None
    assert keys.unsealer.open(sealed[0]) == "John Smith"
    assert keys.unsealer.open(sealed[1]) == "jsmith@mail.com"


async def test_replays_count_once_whenever_they_come(
    db: Database, clock: FakeClock, keys: Keys
) -> None:
    services, code, secret, petition_id = await setup(db, clock, keys)
    first = await post(services, "actionnetwork", code, secret, an_batch(1, 3) + an_batch(1, 1))
    assert (first["accepted"], first["duplicates"]) == (3, 1)
    again = await post(services, "actionnetwork", code, secret, an_batch(1, 3))
    assert (again["accepted"], again["duplicates"]) == (0, 3)
    await services.webhooks.process_all()
    later = await post(services, "actionnetwork", code, secret, an_batch(2, 3))  # 2, 3 seen; 4 new
    assert (later["accepted"], later["duplicates"]) == (1, 2)
    # the same person under a new key (another email spelling), the same signature id anew
    person = an_event(1)
    person["idempotency_key"] = "new-key-1"
    person["osdi:signature"]["person"]["email_addresses"][0]["address"] = "JSmith1+x@Mail.com"
    same_id = an_event(77)
    same_id["osdi:signature"]["identifiers"] = an_event(2)["osdi:signature"]["identifiers"]
    await post(services, "actionnetwork", code, secret, [person, same_id])
    results = await services.webhooks.process_all()
    assert sum(r.counted for r in results) == 1 and sum(r.duplicates for r in results) == 2
    assert (await services.petitions.get_by_id(petition_id)).total == 4
    async with db.read() as conn:
        statuses = await conn.fetchall(
            "SELECT status, COUNT(*) FROM webhook_events GROUP BY status ORDER BY status"
        )
    assert [tuple(r) for r in statuses] == [("counted", 4), ("duplicate", 2)]


async def test_out_of_order_events_are_numbered_by_when_they_were_signed(
    db: Database, clock: FakeClock, keys: Keys
) -> None:
    services, code, secret, _ = await setup(db, clock, keys)
    rows = [
        generic_row(1, signed_at="2026-11-24T10:00:03Z"),
        generic_row(2, signed_at="2026-11-24T10:00:01Z"),
        generic_row(3, signed_at="2026-11-24T10:00:02Z"),
    ]
    await post(services, "generic", code, secret, {"signatures": rows})
    await services.webhooks.process_all()
    assert [(r[1], r[2]) for r in await signatures(db)] == [
        ("form-2", 1),
        ("form-3", 2),
        ("form-1", 3),
    ]


async def test_someone_who_signed_by_import_or_in_discord_is_not_counted_again(
    db: Database, clock: FakeClock, keys: Keys, tmp_path: Path
) -> None:
    services, code, secret, petition_id = await setup(db, clock, keys)
    csv = tmp_path / "an.csv"
    csv.write_text("name,email\nAnna Kowalska 1,anna1@example.org\n", encoding="utf-8")
    await services.imports.run(organizer(), code, csv, "an.csv")
    answer = await post(services, "generic", code, secret, [generic_row(1), generic_row(2)])
    assert answer["accepted"] == 2
    [result] = await services.webhooks.process_all()
    assert (result.counted, result.duplicates) == (1, 1)
    assert (await services.petitions.get_by_id(petition_id)).total == 2


async def test_counted_like_any_signature_goal_milestones_and_drive_credit(
    db: Database, clock: FakeClock, keys: Keys
) -> None:
    services, code, secret, petition_id = await setup(db, clock, keys)
    async with db.transaction() as conn:
        drive = await conn.execute(
            "INSERT INTO drives (guild_id, petition_id, name, goal, starts_at, ends_at, "
            "channel_id, created_by, created_at) VALUES (1001, ?, 'Week', 10, "
            "'2026-11-01T00:00:00+00:00', '2026-12-01T00:00:00+00:00', 5, 1, '2026-11-01')",
            (petition_id,),
        )
        participant = await conn.execute(
            "INSERT INTO drive_participants (drive_id, user_id, joined_at) VALUES (?, 9, 'x')",
            (drive,),
        )
        await conn.execute(
            "INSERT INTO referral_codes (drive_id, participant_id, code, created_at) "
            "VALUES (?, ?, 'ANNA7', 'x')",
            (drive, participant),
        )
    events = [an_event(n, referrer="anna7" if n <= 5 else None) for n in range(1, 13)]
    await post(services, "actionnetwork", code, secret, events)
    [result] = await services.webhooks.process_all()
    assert result.counted == 12
    petition = await services.petitions.get_by_id(petition_id)
    assert petition.total == 12 and petition.goal > 12
    async with db.read() as conn:
        kinds = await conn.fetchall(
            "SELECT kind, threshold FROM announcements WHERE id IN "
            f"({', '.join(str(i) for i in result.announcements)}) ORDER BY id"
        )
        recruits = await conn.fetchval(
            "SELECT recruits FROM drive_participants WHERE id = ?", (participant,)
        )
        drive_total = await conn.fetchval(
            "SELECT signature_count FROM drives WHERE id = ?", (drive,)
        )
    shown = [tuple(k) for k in kinds]
    assert ("milestone", 10) in shown or ("goal", 10) in shown
    assert ("recruit", 1) in shown and ("recruit", 5) in shown
    assert ("drive_goal", 100) in shown
    assert recruits == 5 and drive_total == 12


async def test_a_failing_batch_is_retried_with_backoff_then_kept_as_failed(
    db: Database, clock: FakeClock, keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    services, code, secret, petition_id = await setup(db, clock, keys)
    await post(services, "generic", code, secret, [generic_row(1), generic_row(2)])

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk trouble")

    monkeypatch.setattr("bot.services.webhooks.count_group", broken)
    assert await services.webhooks.process_all() == []
    async with db.read() as conn:
        row = await conn.fetchone(
            "SELECT status, attempts, last_error FROM webhook_events ORDER BY id LIMIT 1"
        )
    assert tuple(row or ()) == ("pending", 1, "RuntimeError")
    assert await services.webhooks.process_due() == []  # not due yet: nothing tried
    monkeypatch.undo()
    clock.advance(seconds=10)
    [result] = await services.webhooks.process_all()
    assert result.counted == 2
    assert (await services.petitions.get_by_id(petition_id)).total == 2
    # a batch that never works stays stored as failed, for an operator
    await post(services, "generic", code, secret, [generic_row(3)])
    monkeypatch.setattr("bot.services.webhooks.count_group", broken)
    for _ in range(MAX_ATTEMPTS):
        await services.webhooks.process_all()
        clock.advance(hours=1)
    async with db.read() as conn:
        status = await conn.fetchval(
            "SELECT status FROM webhook_events WHERE event_key = 'g:form-3'"
        )
    assert status == "failed"
    assert await services.webhooks.backlog() == 0


async def test_petitions_with_due_events_come_longest_waiting_first(
    db: Database, clock: FakeClock, keys: Keys
) -> None:
    services = build(db, clock, keys)
    codes = {}
    for name in ("early", "middle", "late", "idle"):
        petition = await services.petitions.create(organizer(), DRAFT)
        info = await services.webhooks.endpoint(organizer(), petition.code)
        codes[name] = (petition.code, info.secret, petition.id)
    for name, rows in (("early", [1, 2]), ("middle", [3]), ("late", [4, 5])):
        code, secret, _ = codes[name]
        await post(services, "generic", code, secret, [generic_row(n) for n in rows])
    ids = {name: value[2] for name, value in codes.items()}
    async with db.transaction() as conn:  # the earliest petition's first event waits for a retry
        await conn.execute(
            "UPDATE webhook_events SET next_attempt_at = '2999-01-01T00:00:00+00:00' "
            "WHERE id = (SELECT MIN(id) FROM webhook_events)"
        )
    async with db.read() as conn:
        due = await hooks_db.petitions_due(conn, clock())
        first_two = await hooks_db.petitions_due(conn, clock(), limit=2)
        later = await hooks_db.petitions_due(conn, datetime(3000, 1, 1, tzinfo=UTC))
    # "early"'s second event is due and older than every other petition's: "early" still comes
    # first. "idle" has nothing pending.
    assert due == [ids["early"], ids["middle"], ids["late"]]
    assert first_two == [ids["early"], ids["middle"]]
    assert later == due
    async with db.transaction() as conn:  # now every pending event of "early" waits
        await conn.execute(
            "UPDATE webhook_events SET next_attempt_at = '2999-01-01T00:00:00+00:00' "
            "WHERE petition_id = ?",
            (ids["early"],),
        )
    async with db.read() as conn:
        assert await hooks_db.petitions_due(conn, clock()) == [ids["middle"], ids["late"]]
        assert await hooks_db.petitions_due(conn, datetime(3000, 1, 1, tzinfo=UTC)) == due


async def test_secrets_are_per_petition_rotate_and_need_an_organizer(
    db: Database, clock: FakeClock, keys: Keys
) -> None:
    services, code, secret, petition_id = await setup(db, clock, keys)
    assert (await services.webhooks.endpoint(organizer(), code)).secret == secret
    other = await services.petitions.create(organizer(), DRAFT)
    other_secret = (await services.webhooks.endpoint(organizer(), other.code)).secret
    assert other_secret != secret
    with pytest.raises(BadCredentials):
        await post(services, "actionnetwork", code, other_secret, AN_EXAMPLE)
    with pytest.raises(NotAnOrganizer):
        await services.webhooks.endpoint(member(5), code)
    with pytest.raises(NotAnOrganizer):
        await services.webhooks.rotate(member(5), petition_id)
    rotated = await services.webhooks.rotate(organizer(), petition_id)
    assert rotated.secret != secret
    with pytest.raises(BadCredentials):
        await post(services, "actionnetwork", code, secret, AN_EXAMPLE)
    assert (await post(services, "actionnetwork", code, rotated.secret, AN_EXAMPLE))["accepted"]
    with pytest.raises(UnknownPetition):
        await post(services, "actionnetwork", "ZZZZZZ", rotated.secret, AN_EXAMPLE)
    no_key = build(db, clock, keys, hash_key=False)
    with pytest.raises(HashKeyMissing):
        await no_key.webhooks.endpoint(organizer(), code)


async def test_events_of_a_deleted_petition_are_dropped_not_counted(
    db: Database, clock: FakeClock, keys: Keys
) -> None:
    services, code, secret, petition_id = await setup(db, clock, keys)
    await post(services, "generic", code, secret, [generic_row(1)])
    await services.petitions.delete(organizer(), petition_id)
    [result] = await services.webhooks.process_all()
    assert (result.counted, result.dropped) == (0, 1)
    assert await signatures(db) == []
    with pytest.raises(UnknownPetition):
        await post(services, "generic", code, secret, [generic_row(2)])
