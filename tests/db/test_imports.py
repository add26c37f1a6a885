"""CSV imports on a real SQLite file: 100,000 rows, formats, duplicates, bad input, failure."""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path

import pytest

from bot.db import Database
from bot.db import imports as imports_repo
from bot.domain.errors import NotAnOrganizer
from bot.domain.signer_errors import (
    HashKeyMissing,
    ImportEmpty,
    ImportMissingColumns,
    ImportNoRows,
    ImportNotText,
    ImportTooLarge,
)
from bot.i18n import localizer
from bot.services import Services
from bot.services.import_files import PROCESS_MIN_BYTES
from bot.services.imports import ImportProgress, ProgressGate
from tests.conftest import FakeClock, member, organizer
from tests.db.signers_support import DRAFT, Keys, build, keys, snapshot

__all__ = ["keys"]

AN_HEADER = (
    "first_name,last_name,email,zip_code,can2_user_address,can2_user_city,can2_state_abbreviated,"
    "can2_phone,can2_subscription_status,created_at,can2_source_code\n"
)


def said(error: pytest.ExceptionInfo[Exception]) -> str:
    value = error.value
    return localizer("en").t(value.template, **value.params)  # type: ignore[attr-defined]


async def counts(db: Database) -> dict[str, int]:
    async with db.read() as conn:
        return {
            t: int(await conn.fetchval(f"SELECT COUNT(*) FROM {t}"))
            for t in ("signers", "signatures", "import_rows", "announcements")
        }


async def counter_matches(db: Database, petition_id: int) -> bool:
    async with db.read() as conn:
        counted = await conn.fetchval(
            "SELECT COUNT(*) FROM signatures WHERE petition_id = ? AND status = 'counted'",
            (petition_id,),
        )
        stored = await conn.fetchval(
            "SELECT signature_count FROM petitions WHERE id = ?", (petition_id,)
        )
    return bool(counted == stored)


def generate(path: Path, rows: int) -> tuple[int, int]:
    """An Action Network-style export; every 1,000th row repeats the previous person (their
    email spelled differently), every 5,000th has a formula for a name. → (duplicates, bad)."""
    duplicates = bad = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(AN_HEADER)
        for i in range(1, rows + 1):
            first, email, zip_code = f"Person{i}", f"person.{i}@gmail.com", f"{10000 + i % 89999}"
            if i % 5000 == 0:
                first, bad = '=HYPERLINK("http://evil")', bad + 1
            elif i % 1000 == 0:
                j = i - 1
                first, email, zip_code = f"Person{j}", f"Person{j}+dup@GMAIL.com", "99999"
                duplicates += 1
            out.write(
                f'{first},Test,{email},{zip_code},"1 Main St, Apt {i}",Boston,MA,'
                f"+1 617 555 {i % 10000:04d},subscribed,2026-11-0{1 + i % 9} 10:00:00,\n"
            )
    return duplicates, bad


async def test_a_generated_100000_row_csv_with_progress_and_summary(
    db: Database, clock: FakeClock, keys: Keys, tmp_path: Path
) -> None:
    services = build(db, clock, keys)
    petition = await services.petitions.create(organizer(), DRAFT)
    path = tmp_path / "action-network-export.csv"
    duplicates, bad = generate(path, 100_000)
    assert path.stat().st_size >= services.imports.process_min_bytes  # read in a child process
    seen: list[ImportProgress] = []

    async def progress(update: ImportProgress) -> None:
        seen.append(update)

    started = time.perf_counter()
    summary = await services.imports.run(
        organizer(), petition.code, path, path.name, progress=progress
    )
    elapsed = time.perf_counter() - started

    assert summary.rows_read == 100_000
    assert summary.duplicates == duplicates == 80
    assert summary.rejected == bad == 20
    assert summary.imported == 100_000 - duplicates - bad
    assert summary.petition.total == summary.imported
    assert await counter_matches(db, petition.id)
    # progress: one update per chunk while reading, then "counting"; rows only go up
    assert [u.phase for u in seen] == ["reading"] * 20 + ["counting"]
    assert [u.rows_read for u in seen[:-1]] == list(range(5_000, 100_001, 5_000))
    assert seen[-1].staged == summary.imported
    # rejected and duplicate rows come with their line numbers and reasons
    first_bad = next(p for p in summary.problems if p.kind == "rejected")
    assert first_bad.line == 5_001  # the header is line 1
    assert "spreadsheet formula" in localizer("en").t(first_bad.reason)
    first_dup = next(p for p in summary.problems if p.kind == "duplicate")
    assert (first_dup.line, first_dup.params) == (1_001, {"line": 1_000})
    # the goal climbed the ladder and the biggest milestone crossed was queued once
    assert summary.goal_change is not None and summary.goal_change.to_goal > summary.imported
    assert len(summary.announcements) == 1
    await services.imports.settled()  # the staged rows are deleted after the answer
    async with db.read() as conn:
        assert await conn.fetchval("SELECT COUNT(*) FROM import_rows") == 0
        status = await conn.fetchone("SELECT status, imported, rejected FROM imports")
        sealed = await conn.fetchone(
            "SELECT sealed_name, sealed_phone FROM signers WHERE source = ? ORDER BY id LIMIT 1",
            (f"import:{path.name}",),
        )
    assert tuple(status or ()) == ("done", summary.imported, 20)
    assert sealed is not None
    assert keys.unsealer.open(bytes(sealed[0])) == "Person1 Test"
    assert keys.unsealer.open(bytes(sealed[1])) == "+1 617 555 0001"
    assert elapsed < 60, f"100,000 rows took {elapsed:.1f} s"

    # the same file again counts nobody twice
    again = await services.imports.run(organizer(), petition.code, path, path.name)
    assert again.imported == 0 and again.duplicates == 100_000 - bad
    assert again.petition.total == summary.imported
    assert await counter_matches(db, petition.id)


async def test_cp1251_semicolons_bom_and_generic_headers(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    services = build(db, clock, None)  # no public key: hashes only, still counted
    petition = await services.petitions.create(organizer(), DRAFT)
    cp1251 = tmp_path / "belarus.csv"
    cp1251.write_bytes(
        "Фамилия;Имя;Индекс;Дата\nКавалёва;Ганна;220030;05.11.2026\nІваноў;Янка;220004;\n".encode(
            "cp1251"
        )
    )
    summary = await services.imports.run(organizer(), petition.code, cp1251, cp1251.name)
    assert (summary.imported, summary.rejected, summary.duplicates) == (2, 0, 0)
    bom = tmp_path / "excel.csv"
    bom.write_bytes(
        "\ufeffFull Name,E-mail,Postal Code\r\n"
        '"Kavaliova, Hanna",hanna@example.org,220030\r\n'.encode()
    )
    summary = await services.imports.run(organizer(), petition.code, bom, bom.name)
    # same name + postal code as line 2 of the first file (the name written the other way
    # round is a different person, so this one is new)
    assert summary.imported == 1
    async with db.read() as conn:
        row = await conn.fetchone(
            "SELECT sealed_name, email_hash FROM signers ORDER BY id DESC LIMIT 1"
        )
    assert row is not None and row[0] is None and row[1] is not None
    assert await counter_matches(db, petition.id)


async def test_duplicates_by_name_and_postal_code_across_files(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    services = build(db, clock, None)
    petition = await services.petitions.create(organizer(), DRAFT)
    paper = tmp_path / "paper.csv"
    paper.write_text("name,zip\nAnna Kowalska,02-134\n", encoding="utf-8")
    web = tmp_path / "web.csv"
    web.write_text("name,zip,email\n  anna   KOWALSKA ,02134,anna@example.org\n", encoding="utf-8")
    assert (await services.imports.run(organizer(), petition.code, paper, "paper.csv")).imported
    summary = await services.imports.run(organizer(), petition.code, web, "web.csv")
    assert (summary.imported, summary.duplicates) == (0, 1)
    assert summary.petition.total == 1


@pytest.mark.parametrize(
    ("content", "error", "words"),
    [
        (b"", ImportEmpty, "file is empty"),
        (b"\n\n  \n", ImportEmpty, "file is empty"),
        (b"name,email,zip\n", ImportNoRows, "no signer rows"),
        ("name,email\nAnna,a@example.org\n".encode("utf-16"), ImportNotText, "CSV UTF-8"),
        (b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)), ImportNotText, "CSV UTF-8"),
        (b"name,email\n\x98\x98\x98,a@example.org\n", ImportNotText, "Windows-1251"),
        (b"Vorname,Telefon,Stadt\nAnna,123,Berlin\n", ImportMissingColumns, "Vorname, Telefon"),
        (b"first_name;phone\nAnna;123\n", ImportMissingColumns, "an email or a postal code"),
    ],
)
@pytest.mark.parametrize("reader", ["thread", "process"])
async def test_bad_files_are_refused_clearly_and_change_nothing(
    db: Database,
    clock: FakeClock,
    keys: Keys,
    tmp_path: Path,
    content: bytes,
    error: type[Exception],
    words: str,
    reader: str,
) -> None:
    """The same refusals whether the file is read in a thread or (a large file) in a child
    process, whose errors cross over with their parameters."""
    services = build(db, clock, keys)
    services.imports.process_min_bytes = 0 if reader == "process" else PROCESS_MIN_BYTES
    petition = await services.petitions.create(organizer(), DRAFT)
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    before = await snapshot(db)
    with pytest.raises(error) as refused:
        await services.imports.run(organizer(), petition.code, path, "bad.csv")
    assert words in said(refused)
    assert await snapshot(db) == before
    assert multiprocessing.active_children() == []


async def test_size_limit_hash_key_and_organizers_only(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    small = build(db, clock, None, import_max_bytes=1_000)
    petition = await small.petitions.create(organizer(), DRAFT)
    path = tmp_path / "big.csv"
    path.write_text("name,zip\n" + "Anna Kowalska,02134\n" * 100, encoding="utf-8")
    before = await snapshot(db)
    with pytest.raises(ImportTooLarge) as too_big:
        await small.imports.run(organizer(), petition.code, path, "big.csv")
    assert "limit is 1,000 bytes" in said(too_big)
    with pytest.raises(HashKeyMissing):
        await build(db, clock, None, hash_key=False).imports.run(
            organizer(), petition.code, path, "big.csv"
        )
    with pytest.raises(NotAnOrganizer):
        await build(db, clock, None).imports.run(member(5), petition.code, path, "big.csv")
    assert await snapshot(db) == before


async def test_bad_rows_are_listed_and_never_abort(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    services = build(db, clock, None)
    petition = await services.petitions.create(organizer(), DRAFT)
    path = tmp_path / "mixed.csv"
    path.write_text(
        "name,email,zip,date,phone\n"
        "Anna Kowalska,anna@example.org,02134,2026-11-01,\n"  # 2 ok
        "=SUM(A1:A9),x@example.org,02134,,\n"  # 3 formula
        "+cmd|' /C calc'!A0,y@example.org,02134,,\n"  # 4 formula
        "Ben,not-an-email,,,\n"  # 5 bad email
        "Cara,,,,\n"  # 6 no contact
        "Dan,dan@example.org,02134,2099-01-01,\n"  # 7 future date
        "Eve,eve@example.org,02134,someday,\n"  # 8 bad date
        '"Fay\nMultiline",fay@example.org,02134,,\n'  # 9-10 ok (a quoted line break)
        "Gus,gus@example.org,02134,,,extra\n"  # 11 too many cells
        "Hal,hal@example.org,02134,,call me\n"  # 12 bad phone
        "ANNA.KOWALSKA@example.org is not a name,anna@example.org,1,,\n",  # 13 bad postal
        encoding="utf-8",
    )
    summary = await services.imports.run(organizer(), petition.code, path, "mixed.csv")
    assert summary.imported == 2
    reasons = {p.line: localizer("en").t(p.reason, **p.params) for p in summary.problems}
    assert sorted(reasons) == [3, 4, 5, 6, 7, 8, 11, 12, 13]
    assert "formula" in reasons[3] and "formula" in reasons[4]
    assert "email" in reasons[5] and "neither" in reasons[6]
    assert "future" in reasons[7] and "date" in reasons[8]
    assert "more cells" in reasons[11] and "phone" in reasons[12] and "postal" in reasons[13]
    assert all("Ben" not in r and "anna" not in r for r in reasons.values())
    assert await counter_matches(db, petition.id)


@pytest.mark.parametrize("reader", ["thread", "process"])
async def test_an_import_that_fails_midway_counts_nothing(
    db: Database, clock: FakeClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reader: str
) -> None:
    services = build(db, clock, None)
    services.imports.chunk_rows = 10
    services.imports.process_min_bytes = 0 if reader == "process" else PROCESS_MIN_BYTES
    petition = await services.petitions.create(organizer(), DRAFT)
    path = tmp_path / "fifty.csv"
    path.write_text(
        "name,zip\n" + "".join(f"Person {i},{10000 + i}\n" for i in range(50)), encoding="utf-8"
    )
    before = await counts(db)
    real_stage = imports_repo.stage
    calls = 0

    async def flaky_stage(*args: object, **kwargs: object) -> None:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise OSError("disk full")
        await real_stage(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(imports_repo, "stage", flaky_stage)
    with pytest.raises(OSError, match="disk full"):
        await services.imports.run(organizer(), petition.code, path, "fifty.csv")
    assert multiprocessing.active_children() == []  # the reader process was stopped
    assert await counts(db) == before
    assert (await services.petitions.get_by_id(petition.id)).total == 0
    async with db.read() as conn:
        assert await conn.fetchval("SELECT status FROM imports") == "failed"
    monkeypatch.setattr(imports_repo, "stage", real_stage)

    async def broken_crossings(*args: object, **kwargs: object) -> list[int]:
        raise RuntimeError("outbox unavailable")

    monkeypatch.setattr("bot.services.counting.queue_crossings", broken_crossings)
    with pytest.raises(RuntimeError):
        await services.imports.run(organizer(), petition.code, path, "fifty.csv")
    assert await counts(db) == before
    monkeypatch.undo()
    summary = await services.imports.run(organizer(), petition.code, path, "fifty.csv")
    assert summary.imported == 50 and await counter_matches(db, petition.id)


@pytest.mark.parametrize("processes", [1, 2, 3])
async def test_reader_processes_share_the_chunks_and_agree_with_one_thread(
    db: Database, clock: FakeClock, tmp_path: Path, processes: int
) -> None:
    """Split among reader processes (chunk i to process i % n), a file gives the thread's
    answer: rows in file order, a person repeated in another process's chunk is still "the same
    as line N", and problems keep their lines."""
    path = tmp_path / "split.csv"
    lines = ["name,email,zip\n"]
    for i in range(2, 61):  # line numbers: the header is line 1
        if i == 27:
            lines.append("Repeat,person.5@example.org,99999\n")  # chunk 2, same as line 5
        elif i == 44:
            lines.append("Person 13,,10013\n")  # chunk 4: name + postal of line 13 (chunk 1)
        elif i == 60:
            lines.append('"unclosed,x@example.org,1\n')  # an unreadable record, the last
        else:
            lines.append(f"Person {i},person.{i}@example.org,{10000 + i}\n")
    path.write_text("".join(lines), encoding="utf-8")

    async def run(reader: str) -> tuple[int, int, list[tuple[int, str, dict[str, object]]]]:
        services = build(db, clock, None)
        services.imports.chunk_rows = 10
        services.imports.process_min_bytes = 0 if reader == "process" else PROCESS_MIN_BYTES
        services.imports.reader_processes = processes
        petition = await services.petitions.create(organizer(), DRAFT)
        summary = await services.imports.run(organizer(), petition.code, path, path.name)
        assert await counter_matches(db, petition.id)
        async with db.read() as conn:
            numbers = await conn.fetchall(
                "SELECT signer_number FROM signatures WHERE petition_id = ? ORDER BY id",
                (petition.id,),
            )
        assert [n[0] for n in numbers] == list(range(1, summary.imported + 1))
        problems = [(p.line, p.kind, p.params) for p in summary.problems]
        return summary.rows_read, summary.imported, problems

    in_thread = await run("thread")
    in_processes = await run("process")
    assert in_processes == in_thread
    rows_read, imported, problems = in_thread
    assert (rows_read, imported) == (59, 56)
    assert (27, "duplicate", {"line": 5}) in problems and (
        44,
        "duplicate",
        {"line": 13},
    ) in problems
    assert [p[1] for p in problems].count("rejected") == 1
    assert multiprocessing.active_children() == []


async def test_referral_codes_credit_the_drive(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    services = build(db, clock, None)
    petition = await services.petitions.create(organizer(), DRAFT)
    async with db.transaction() as conn:
        drive = await conn.execute(
            "INSERT INTO drives (guild_id, petition_id, name, goal, starts_at, ends_at, "
            "channel_id, created_by, created_at) VALUES (1001, ?, 'Week', 10, '2026-11-01', "
            "'2026-12-01', 5, 1, '2026-11-01')",
            (petition.id,),
        )
        participant = await conn.execute(
            "INSERT INTO drive_participants (drive_id, user_id, joined_at) VALUES (?, 9, 'x')",
            (drive,),
        )
        code_id = await conn.execute(
            "INSERT INTO referral_codes (drive_id, participant_id, code, created_at) "
            "VALUES (?, ?, 'ANNA7', 'x')",
            (drive, participant),
        )
    path = tmp_path / "ref.csv"
    path.write_text(
        "name,zip,referral\nA One,10001,anna7\nB Two,10002,NOPE\nC Three,10003,\n",
        encoding="utf-8",
    )
    summary = await services.imports.run(organizer(), petition.code, path, "ref.csv")
    assert summary.imported == 3
    async with db.read() as conn:
        rows = await conn.fetchall(
            "SELECT referral_code_id, drive_id FROM signatures ORDER BY signer_number"
        )
    assert [tuple(r) for r in rows] == [(code_id, drive), (None, None), (None, None)]


def test_progress_gate_lets_one_update_through_per_second() -> None:
    now = [100.0]
    gate = ProgressGate(1.0, clock=lambda: now[0])
    passed = []
    for _ in range(30):
        passed.append(gate.ready())
        now[0] += 0.1
    assert passed.count(True) == 3  # at 100.0, 101.0, 102.0 (of 100.0 … 102.9)
    assert gate.ready(final=True)


async def test_imports_are_not_allowed_with_members_signatures_counted_twice(
    services: Services, db: Database, tmp_path: Path
) -> None:
    """The shared `services` fixture (no keys) refuses imports: they need the hash key."""
    petition = await services.petitions.create(organizer(), DRAFT)
    path = tmp_path / "a.csv"
    path.write_text("name,zip\nAnna,02134\n", encoding="utf-8")
    with pytest.raises(HashKeyMissing) as refused:
        await services.imports.run(organizer(), petition.code, path, "a.csv")
    assert "RALLY_HASH_KEY" in said(refused)


async def test_staged_rows_a_stopped_bot_left_are_deleted_by_the_next_import(
    db: Database, clock: FakeClock, keys: Keys, tmp_path: Path
) -> None:
    """A bot stopped mid-import leaves its import 'running'; one stopped just after a count
    leaves staged rows not yet deleted. The next import clears both and counts as usual."""
    services = build(db, clock, keys)
    petition = await services.petitions.create(organizer(), DRAFT)
    path = tmp_path / "three.csv"
    path.write_text(
        "name,zip\n" + "".join(f"Person {i},{10000 + i}\n" for i in range(3)), encoding="utf-8"
    )
    leftover = [
        imports_repo.StagedRow(n, None, f"h{n}", None, None, None, None, clock(), None)
        for n in range(2, 7)
    ]
    async with db.transaction() as conn:
        for status in ("running", "done"):
            import_id = await imports_repo.start(
                conn,
                guild_id=petition.guild_id,
                petition_id=petition.id,
                file_name="old.csv",
                created_by=1,
                now=clock(),
            )
            await imports_repo.stage(conn, import_id, leftover)
            if status == "done":
                await imports_repo.finish(
                    conn,
                    import_id,
                    status="done",
                    rows_read=5,
                    imported=5,
                    duplicates=0,
                    rejected=0,
                    now=clock(),
                )
    summary = await services.imports.run(organizer(), petition.code, path, path.name)
    assert summary.imported == 3 and summary.petition.total == 3
    await services.imports.settled()
    async with db.read() as conn:
        assert await conn.fetchval("SELECT COUNT(*) FROM import_rows") == 0
        statuses = [r[0] for r in await conn.fetchall("SELECT status FROM imports ORDER BY id")]
    assert statuses == ["failed", "done", "done"]
