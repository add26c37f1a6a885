"""`/me link` on a real SQLite file, with a real SMTP server on loopback (aiosmtpd)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.db import Database, signers
from bot.domain.errors import InvalidInput, NotAnOrganizer
from bot.domain.signer_errors import (
    AlreadyLinked,
    ClaimPending,
    ClaimReviewed,
    LinkCodeExpired,
    LinkCodeWrong,
    LinkRateLimited,
    LinkTooManyTries,
    MailFailed,
    NoLinkPending,
    RecordLinkedElsewhere,
)
from bot.domain.signers import parse_details
from bot.email import SmtpConfig, SmtpMailer
from bot.i18n import localizer
from bot.services import Services
from tests.conftest import FakeClock, member, organizer
from tests.db.signers_support import (
    DRAFT,
    Keys,
    SmtpServer,
    build,
    keys,
    smtp,
    snapshot,
)

__all__ = ["keys", "smtp"]

ANNA = 412345678901234567
BEN = 412345678901234568
CSV = (
    "first_name,last_name,email,zip_code,created_at\n"
    "Anna,Kowalska,anna.kowalska@gmail.com,02134,2026-11-01 10:00:00\n"
    "Ben,Ivanou,ben@example.org,220030,2026-11-02 10:00:00\n"
)


def said(error: pytest.ExceptionInfo[Exception]) -> str:
    value = error.value
    return localizer("en").t(value.template, **value.params)  # type: ignore[attr-defined]


async def imported_petitions(services: Services, tmp_path: Path, count: int = 2) -> list[int]:
    """`count` petitions, each with Anna and Ben imported from a CSV."""
    ids = []
    for _ in range(count):
        petition = await services.petitions.create(organizer(), DRAFT)
        path = tmp_path / f"signers-{petition.code}.csv"
        path.write_text(CSV, encoding="utf-8")
        summary = await services.imports.run(organizer(), petition.code, path, "an.csv")
        assert summary.imported == 2
        ids.append(petition.id)
    return ids


async def totals(services: Services, ids: list[int]) -> list[int]:
    return [(await services.petitions.get_by_id(i)).total for i in ids]


async def test_link_by_emailed_code_merges_without_double_count(
    db: Database, clock: FakeClock, keys: Keys, smtp: SmtpServer, tmp_path: Path
) -> None:
    services = build(db, clock, keys, mailer=smtp.mailer())
    first, second = await imported_petitions(services, tmp_path)
    third = (await services.petitions.create(organizer(), DRAFT)).id
    # Anna also signed the first petition in Discord (a day later) and the third only there
    clock.advance(days=30)
    await services.petitions.sign(member(ANNA), first)
    await services.petitions.sign(member(ANNA), third)
    assert await totals(services, [first, second, third]) == [3, 2, 1]

    started = await services.links.start(member(ANNA), "  Anna.Kowalska+petitions@GMAIL.com ")
    assert started.mode == "email"
    assert len(smtp.inbox.messages) == 1
    mail = smtp.inbox.messages[0]
    assert mail["To"] == "Anna.Kowalska+petitions@GMAIL.com"
    code = smtp.inbox.last_code()
    assert code in mail["Subject"]
    # the code and address are not stored readable
    async with db.read() as conn:
        stored = await conn.fetchone("SELECT code_hash, email_hash FROM link_codes")
    assert stored is not None and code not in stored[0] and "anna" not in stored[1]

    linked = await services.links.confirm(member(ANNA), f" {code[:3]} {code[3:]} ")
    assert linked.found_record and linked.merged and linked.lowered == [first]
    # Anna counts once on every petition; the earlier (imported) signature stayed
    assert await totals(services, [first, second, third]) == [2, 2, 1]
    profile = await services.signers.profile(ANNA)
    assert profile.record is not None and profile.record.source == "import:an.csv"
    assert sorted(s.code for s in profile.signatures) == sorted(
        [(await services.petitions.get_by_id(i)).code for i in (first, second, third)]
    )
    first_code = (await services.petitions.get_by_id(first)).code
    first_signed = next(s for s in profile.signatures if s.code == first_code)
    assert first_signed.source == "import"
    async with db.read() as conn:
        for petition_id in (first, second, third):
            counted = await conn.fetchval(
                "SELECT COUNT(*) FROM signatures WHERE petition_id = ? AND status = 'counted'",
                (petition_id,),
            )
            stored_count = await conn.fetchval(
                "SELECT signature_count FROM petitions WHERE id = ?", (petition_id,)
            )
            assert counted == stored_count
        assert await conn.fetchval("SELECT COUNT(*) FROM link_codes") == 0
    # and the same record cannot be claimed by Ben afterwards
    await services.links.start(member(BEN), "anna.kowalska@gmail.com")
    before = await snapshot(db)
    with pytest.raises(RecordLinkedElsewhere) as refused:
        await services.links.confirm(member(BEN), smtp.inbox.last_code())
    assert "another Discord member" in said(refused)
    assert await snapshot(db) == before


async def test_wrong_expired_and_too_many_codes(
    db: Database, clock: FakeClock, keys: Keys, smtp: SmtpServer, tmp_path: Path
) -> None:
    services = build(db, clock, keys, mailer=smtp.mailer())
    await imported_petitions(services, tmp_path, 1)
    with pytest.raises(NoLinkPending):
        await services.links.confirm(member(ANNA), "123456")

    await services.links.start(member(ANNA), "anna.kowalska@gmail.com")
    code = smtp.inbox.last_code()
    wrong = "000000" if code != "000000" else "111111"
    people = await snapshot(db)
    for left in (4, 3, 2, 1):
        with pytest.raises(LinkCodeWrong) as refused:
            await services.links.confirm(member(ANNA), wrong)
        assert f"Tries left: {left}" in said(refused)
    with pytest.raises(LinkTooManyTries):
        await services.links.confirm(member(ANNA), wrong)
    with pytest.raises(LinkTooManyTries):
        await services.links.confirm(member(ANNA), code)  # even the right one, now
    after = await snapshot(db)
    # only the try counter moved: no link, no merge, no signature touched
    assert {k: v for k, v in after.items() if k != "link_codes"} == {
        k: v for k, v in people.items() if k != "link_codes"
    }

    clock.advance(hours=2)
    await services.links.start(member(ANNA), "anna.kowalska@gmail.com")
    code = smtp.inbox.last_code()
    clock.advance(minutes=15)
    before = await snapshot(db)
    with pytest.raises(LinkCodeExpired) as expired:
        await services.links.confirm(member(ANNA), code)
    assert "15 minutes" in said(expired)
    assert await snapshot(db) == before


async def test_codes_are_rate_limited_per_member(
    db: Database, clock: FakeClock, keys: Keys, smtp: SmtpServer
) -> None:
    services = build(db, clock, keys, mailer=smtp.mailer())
    for _ in range(3):
        await services.links.start(member(ANNA), "anna@example.org")
        clock.advance(minutes=1)
    before = await snapshot(db)
    with pytest.raises(LinkRateLimited) as limited:
        await services.links.start(member(ANNA), "anna@example.org")
    assert "57 minutes" in said(limited)
    assert await snapshot(db) == before and len(smtp.inbox.messages) == 3
    await services.links.start(member(BEN), "ben@example.org")  # others are not held up
    clock.advance(minutes=58)
    await services.links.start(member(ANNA), "anna@example.org")
    assert len(smtp.inbox.messages) == 5


async def test_a_bad_address_or_a_dead_smtp_server_changes_nothing(
    db: Database, clock: FakeClock, keys: Keys
) -> None:
    dead = SmtpMailer(SmtpConfig(host="127.0.0.1", port=1, sender="r@example.org", starttls=False))
    services = build(db, clock, keys, mailer=dead)
    before = await snapshot(db)
    with pytest.raises(InvalidInput) as bad:
        await services.links.start(member(ANNA), "anna at example dot org")
    assert "address is not valid" in said(bad)
    with pytest.raises(MailFailed):
        await services.links.start(member(ANNA), "anna@example.org")
    assert await snapshot(db) == before


async def test_linking_an_address_with_no_record_remembers_it_for_later_imports(
    db: Database, clock: FakeClock, keys: Keys, smtp: SmtpServer, tmp_path: Path
) -> None:
    services = build(db, clock, keys, mailer=smtp.mailer())
    petition = await services.petitions.create(organizer(), DRAFT)
    await services.petitions.sign(member(ANNA), petition.id)
    await services.links.start(member(ANNA), "anna.kowalska@gmail.com")
    linked = await services.links.confirm(member(ANNA), smtp.inbox.last_code())
    assert not linked.found_record and not linked.merged
    with pytest.raises(AlreadyLinked):
        await services.links.start(member(ANNA), "annakowalska@gmail.com")
    # an import of a list with her address now recognises her: no double count
    path = tmp_path / "later.csv"
    path.write_text(CSV, encoding="utf-8")
    summary = await services.imports.run(organizer(), petition.code, path, "later.csv")
    assert summary.imported == 1 and summary.duplicates == 1
    assert summary.petition.total == 2


async def test_review_queue_without_smtp(
    db: Database, clock: FakeClock, keys: Keys, tmp_path: Path
) -> None:
    services = build(db, clock, keys)
    first, second = await imported_petitions(services, tmp_path)
    await services.petitions.sign(member(ANNA), first)
    assert await totals(services, [first, second]) == [3, 2]

    started = await services.links.start(member(ANNA), "anna.kowalska@gmail.com")
    assert started.mode == "review" and started.claim_id is not None
    with pytest.raises(ClaimPending):
        await services.links.start(member(ANNA), "anna.kowalska@gmail.com")
    await services.links.start(member(BEN), "nobody@example.org")

    with pytest.raises(NotAnOrganizer):
        await services.links.claims(member(BEN))
    queue = await services.links.claims(organizer())
    assert [(c.claim.user_id, c.matches_record, c.record_signatures) for c in queue] == [
        (ANNA, True, 2),
        (BEN, False, 0),
    ]
    assert queue[0].record_source == "import:an.csv" and not queue[0].linked_elsewhere

    before = await snapshot(db)
    with pytest.raises(NotAnOrganizer):
        await services.links.review(member(BEN), started.claim_id, approve=True)
    assert await snapshot(db) == before

    reviewed = await services.links.review(organizer(), started.claim_id, approve=True)
    assert reviewed.linked is not None and reviewed.linked.merged
    assert await totals(services, [first, second]) == [2, 2]
    with pytest.raises(ClaimReviewed):
        await services.links.review(organizer(), started.claim_id, approve=False)
    rejected = await services.links.review(organizer(), queue[1].claim.id, approve=False)
    assert not rejected.approved and rejected.linked is None
    assert await services.links.claims(organizer()) == []
    async with db.read() as conn:
        assert await signers.for_user(conn, BEN) is None
        actions = [r[0] for r in await conn.fetchall("SELECT action FROM audit_log ORDER BY id")]
    assert "signers.claim_approve" in actions and "signers.claim_reject" in actions


async def test_approving_a_claim_on_a_record_linked_elsewhere_changes_nothing(
    db: Database, clock: FakeClock, keys: Keys
) -> None:
    services = build(db, clock, keys)
    details = parse_details(name="Anna K", postal_code="02134", email="anna@example.org")
    await services.signers.save_details(member(ANNA), details)
    started = await services.links.start(member(BEN), "anna@example.org")
    assert started.claim_id is not None
    assert (await services.links.claims(organizer()))[0].linked_elsewhere
    before = await snapshot(db)
    with pytest.raises(RecordLinkedElsewhere):
        await services.links.review(organizer(), started.claim_id, approve=True)
    assert await snapshot(db) == before
