"""Signer records on a real SQLite file: sealed details, privacy, language, export, forget."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.db import Database, signers
from bot.domain.errors import InvalidInput
from bot.domain.signer_errors import SealingOff
from bot.domain.signers import parse_details
from bot.i18n import localizer
from tests.conftest import FakeClock, member, organizer
from tests.db.signers_support import DRAFT, Keys, build, cells_containing, keys, snapshot

__all__ = ["keys"]

ANNA = 412345678901234567
DETAILS = parse_details(
    name="Anna Kowalska",
    postal_code="02-134",
    email="Anna.K+rally@gmail.com",
    phone="+1 617 555 0100",
)


async def test_details_are_sealed_and_only_the_private_key_opens_them(
    db: Database, clock: FakeClock, keys: Keys
) -> None:
    services = build(db, clock, keys)
    record = await services.signers.save_details(member(ANNA), DETAILS)
    assert record.has_name and record.has_postal_code and record.has_email and record.has_phone
    assert record.has_email_hash and record.has_name_postal_hash
    # nothing readable anywhere in the database
    assert await cells_containing(db, ["Anna", "Kowalska", "02-134", "02134", "gmail", "555"]) == []
    async with db.read() as conn:
        row = await conn.fetchone(
            "SELECT sealed_name, sealed_postal_code, sealed_email, sealed_phone FROM signers"
        )
    assert row is not None
    opened = [keys.unsealer.open(bytes(cell)) for cell in row]
    assert opened == ["Anna Kowalska", "02-134", "Anna.K+rally@gmail.com", "+1 617 555 0100"]
    # the bot's side has no way to open them
    assert not hasattr(services.signers.config.sealer, "open")


async def test_without_a_public_key_no_details_are_taken_and_nothing_changes(
    db: Database, clock: FakeClock
) -> None:
    services = build(db, clock, None)
    before = await snapshot(db)
    with pytest.raises(SealingOff) as refused:
        await services.signers.save_details(member(ANNA), DETAILS)
    assert "RALLY_PUBLIC_KEY" in localizer("en").t(refused.value.template)
    assert await snapshot(db) == before
    petition = await services.petitions.create(organizer(), DRAFT)
    assert await services.signers.needs_details(ANNA, petition) is False
    assert (await services.petitions.sign(member(ANNA), petition.id)).petition.total == 1


async def test_needs_details_once_per_member_and_per_petition_setting(
    db: Database, clock: FakeClock, keys: Keys
) -> None:
    services = build(db, clock, keys)
    petition = await services.petitions.create(organizer(), DRAFT)
    assert await services.signers.needs_details(ANNA, petition) is True
    await services.signers.save_details(member(ANNA), DETAILS)
    assert await services.signers.needs_details(ANNA, petition) is False
    assert await services.signers.needs_details(ANNA + 1, petition) is True
    await services.signers.set_collects_details(organizer(), petition.code, False)
    assert await services.signers.needs_details(ANNA + 1, petition) is False


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"name": '=HYPERLINK("http://x")', "postal_code": "02134"}, "spreadsheet formula"),
        ({"name": "", "postal_code": "02134"}, "name is missing"),
        ({"name": "Anna", "postal_code": "!!"}, "postal code is not valid"),
        ({"name": "Anna", "postal_code": "02134", "email": "anna@"}, "email address is not valid"),
        ({"name": "Anna", "postal_code": "02134", "phone": "call me"}, "phone number is not valid"),
    ],
)
def test_bad_details_are_refused_with_a_clear_message(fields: dict[str, str], problem: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_details(**fields)
    text = localizer("en").t(refused.value.template, **refused.value.params)
    assert problem in text and "Anna" not in text


async def test_privacy_defaults_to_hidden_and_language_is_kept(
    db: Database, clock: FakeClock
) -> None:
    services = build(db, clock, None)
    assert await services.signers.public_name(ANNA) is None
    record = await services.signers.set_privacy(member(ANNA), show_name=True, public_name="Anna K")
    assert record.show_name and record.public_name == "Anna K"
    assert await services.signers.public_name(ANNA) == "Anna K"
    await services.signers.set_privacy(member(ANNA), show_name=False)
    assert await services.signers.public_name(ANNA) is None
    await services.signers.set_language(member(ANNA), "be")
    assert await services.guilds.member_language(ANNA) == "be"
    before = await snapshot(db)
    with pytest.raises(InvalidInput):
        await services.signers.set_language(member(ANNA), "de")
    with pytest.raises(InvalidInput):
        await services.signers.set_privacy(member(ANNA), show_name=True, public_name="@everyone")
    assert await snapshot(db) == before


async def test_export_lists_everything_with_sealed_fields_as_sealed(
    db: Database, clock: FakeClock, keys: Keys
) -> None:
    services = build(db, clock, keys)
    petition = await services.petitions.create(organizer(), DRAFT)
    await services.signers.save_details(member(ANNA), DETAILS)
    await services.petitions.sign(member(ANNA), petition.id)
    exported = await services.signers.export_me(member(ANNA))
    text = json.dumps(exported)
    assert "Anna" not in text and "02134" not in text and "gmail" not in text
    assert exported["record"]["name"] == "sealed" and exported["record"]["email"] == "sealed"
    assert exported["record"]["show_name_publicly"] is False
    assert [s["petition"] for s in exported["signatures"]] == [petition.code]
    assert exported["discord_user_id"] == str(ANNA)
    async with db.read() as conn:
        actions = [r[0] for r in await conn.fetchall("SELECT action FROM audit_log")]
    assert "me.export" in actions


async def test_forget_erases_everywhere_and_totals_stay(
    db: Database, clock: FakeClock, keys: Keys
) -> None:
    services = build(db, clock, keys)
    first = await services.petitions.create(organizer(), DRAFT)
    second = await services.petitions.create(organizer(), DRAFT)
    await services.signers.save_details(member(ANNA), DETAILS)
    await services.signers.set_privacy(member(ANNA), show_name=True, public_name="Anna K")
    await services.signers.set_language(member(ANNA), "ru")
    for petition in (first, second):
        await services.petitions.sign(member(ANNA), petition.id)
        await services.petitions.sign(member(7), petition.id)
    await services.signers.export_me(member(ANNA))
    async with db.read() as conn:
        sealed = await conn.fetchall(
            "SELECT sealed_name, sealed_email, email_hash, name_postal_hash FROM signers "
            "WHERE sealed_name IS NOT NULL"
        )
    secrets_ = [bytes(v) if isinstance(v, bytes) else v for row in sealed for v in row]

    assert "member_links.user_id" in await cells_containing(db, [ANNA])
    assert await cells_containing(db, secrets_) != []

    result = await services.signers.forget(member(ANNA))

    assert result.signatures_anonymized == 2
    assert sorted(result.petitions) == sorted([first.id, second.id])
    for petition in (first, second):
        after = await services.petitions.get_by_id(petition.id)
        assert after.total == 2
        async with db.read() as conn:
            counted = await conn.fetchval(
                "SELECT COUNT(*) FROM signatures WHERE petition_id = ? AND status = 'counted'",
                (petition.id,),
            )
        assert counted == after.signature_count == 2
    # no trace: not the Discord id, not a sealed blob, not a hash, not the public name
    leftovers = await cells_containing(db, [ANNA, "Anna K", *secrets_])
    assert leftovers == []
    assert await services.signers.public_name(ANNA) is None
    async with db.read() as conn:
        assert await signers.for_user(conn, ANNA) is None
        audit = await conn.fetchall(
            "SELECT actor_id, details FROM audit_log WHERE action = 'me.forget'"
        )
    assert audit and audit[0][0] is None and "Anna" not in audit[0][1]


async def test_forget_erases_referral_identity_but_keeps_drive_totals(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    services = build(db, clock, None)
    petition = await services.petitions.create(organizer(), DRAFT)
    await services.petitions.sign(member(ANNA), petition.id)
    async with db.transaction() as conn:
        drive = await conn.execute(
            "INSERT INTO drives (guild_id, petition_id, name, goal, starts_at, ends_at, "
            "channel_id, created_by, created_at) VALUES (1001, ?, 'Week', 10, '2026-11-01', "
            "'2026-12-01', 5, 1, '2026-11-01')",
            (petition.id,),
        )
        participant = await conn.execute(
            "INSERT INTO drive_participants (drive_id, user_id, signer_id, joined_at) "
            "VALUES (?, ?, (SELECT signer_id FROM member_links WHERE user_id = ?), 'x')",
            (drive, ANNA, ANNA),
        )
        await conn.execute(
            "INSERT INTO referral_codes (drive_id, participant_id, code, created_at) "
            "VALUES (?, ?, 'ANNA7', 'x')",
            (drive, participant),
        )
        await conn.execute(
            "INSERT INTO reward_grants (guild_id, user_id, role_id, granted_at) "
            "VALUES (1001, ?, 77, 'x')",
            (ANNA,),
        )
    path = tmp_path / "recruits.csv"
    path.write_text("name,zip,referral\nA One,10001,ANNA7\nB Two,10002,anna7\n", encoding="utf-8")
    await services.imports.run(organizer(), petition.code, path, "recruits.csv")
    profile = await services.signers.profile(ANNA)
    assert [(c.code, c.recruits) for c in profile.referral_codes] == [("ANNA7", 2)]

    async def drive_counts() -> tuple[int, ...]:
        async with db.read() as conn:
            row = await conn.fetchone(
                "SELECT d.signature_count, p.recruits FROM drives d "
                "JOIN drive_participants p ON p.drive_id = d.id"
            )
        assert row is not None
        return tuple(row)

    before = await drive_counts()
    assert before == (2, 2)
    await services.signers.forget(member(ANNA))
    assert await drive_counts() == before
    assert (await services.petitions.get_by_id(petition.id)).total == 3
    assert await cells_containing(db, [ANNA, "ANNA7"]) == []
