"""Ingest: signatures per second through Rally's web server and its CSV import, beside raw sqlite3.

For each batch size (1, 100 and 1,000 signatures per request) it builds a fresh SQLite file
migrated by Rally, one petition with a webhook secret, and Rally's real web server on 127.0.0.1
(run as a benchmark, the process has frozen its start-up objects out of the garbage collector
first, as the bot's own process does: `bench/__main__.py`).
Then, in the same run on the same machine:

- **rally**: the requests (generic format, `X-Rally-Signature` HMAC, bodies signed beforehand as
  the sender would) are POSTed one after another over real HTTP — each checked, hashed, sealed and
  stored before its 200 — and then the background processor counts them all (de-duplication,
  signer numbers, counters, milestones). Signatures/s = signatures ÷ (answering + counting);
- **raw**: the same rows (keyed hashes, sealed fields, ids, times), inserted with plain `sqlite3`
  `executemany` into a bare table, one commit per batch: the floor of what SQLite itself costs.
  Goal: Rally ≥ 50 % of raw at batches of 1,000.

**Burst**: `BURST_REQUESTS` single-signature requests sent at once while the background worker
counts, as a petition site's webhooks arrive when a campaign email goes out. Goal: p99 < 100 ms.

**CSV import**: a generated CSV of `CSV_ROWS` people (1,000,000 at scale 1.0) through
`ImportService.run` (read, checked, hashed and sealed in a child process, staged in chunks,
counted in one transaction; timed to its answer — the staged rows are deleted after it),
beside raw `executemany` of the same staged rows (made by the same reader) in chunks of
`CHUNK_ROWS`. Goal: 1,000,000 rows in < 60 s. The raw floor inserts at most
`RAW_CSV_ROWS` of the rows (its rate does not depend on the count; making the rows costs as
much as Rally's reading does).

`python -m bench.ingest [scale]`; `main(scale)` returns one row per figure (scale 1.0 sends
10,000 signatures per batch size, 1,000 for batches of one).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp

from bot.client import freeze_startup_objects
from bot.db import Database
from bot.db.imports import StagedRow
from bot.domain.actors import Actor
from bot.domain.petitions import parse_draft
from bot.domain.sealing import Hasher, Sealer, load_public_key, new_hash_key, new_key_pair
from bot.domain.webhooks import (
    GENERIC_MAX_EVENTS,
    SIGNATURE_HEADER,
    body_signature,
    parse_generic,
)
from bot.metrics import Metrics
from bot.services import Services
from bot.services.import_files import CHUNK_ROWS, FileReader
from bot.services.signers import SignerConfig
from bot.services.webhooks import WebhookWorker, stage
from bot.web.app import WebContext, WebServer

BATCH_SIZES = (1, 100, 1000)
SIGNATURES = 10_000
SINGLES = 1_000
RATIO_GOAL = 0.5
RATIO_GOAL_AT = 1000
BURST_REQUESTS = 100
BURST_P99_GOAL_MS = 100.0
CSV_ROWS = 1_000_000
CSV_GOAL_S = 60.0
RAW_CSV_ROWS = 100_000
IMPORT_MAX_BYTES = 100 * 1024 * 1024  # the largest RALLY_IMPORT_MAX_BYTES allows
ORGANIZER = Actor(user_id=1, guild_id=1, display_name="Bench", manage_guild=True)


def _rows(start: int, count: int) -> list[dict[str, Any]]:
    return [
        {
            "external_id": f"bench-{n}",
            "name": f"Signer Number{n}",
            "email": f"signer.{n}@example.org",
            "postal_code": f"{10000 + n % 89999}",
            "signed_at": "2026-11-24T10:00:00Z",
        }
        for n in range(start, start + count)
    ]


@dataclass
class Endpoint:
    services: Services
    petition_id: int
    secret: str
    url: str


@contextlib.asynccontextmanager
async def _serving(path: Path, config: SignerConfig) -> AsyncIterator[Endpoint]:
    """A fresh database with one petition and its webhook secret, and Rally's web server."""
    db = Database(path)
    await db.open()
    services = Services.build(db, signer_config=config)
    server: WebServer | None = None
    try:
        petition = await services.petitions.create(
            ORGANIZER, parse_draft(title="Bench", recipient="Someone", letter="Please.")
        )
        secret = (await services.webhooks.endpoint(ORGANIZER, petition.code)).secret
        context = WebContext(db, services, Metrics(), lambda: True, max_bytes=8 * 1024 * 1024)
        server = WebServer(context)
        await server.start()
        yield Endpoint(services, petition.id, secret, f"{server.url}/hooks/generic/{petition.code}")
    finally:
        if server is not None:
            await server.stop()
        await db.close()


async def _post(http: aiohttp.ClientSession, url: str, body: bytes, signature: str) -> float:
    """POST one signed body; the seconds until its 200."""
    sent = time.perf_counter()
    headers = {"Content-Type": "application/json", SIGNATURE_HEADER: signature}
    async with http.post(url, data=body, headers=headers) as response:
        assert response.status == 200, await response.text()
    return time.perf_counter() - sent


def _signed(secret: str, batch: int, total: int) -> list[tuple[bytes, str]]:
    bodies = []
    for start in range(0, total, batch):
        body = json.dumps({"signatures": _rows(start, batch)}).encode()
        bodies.append((body, body_signature(secret, body)))
    return bodies


async def _rally(path: Path, batch: int, total: int, config: SignerConfig) -> dict[str, Any]:
    async with _serving(path, config) as hook:
        bodies = _signed(hook.secret, batch, total)
        answers: list[float] = []
        async with aiohttp.ClientSession() as http:
            started = time.perf_counter()
            for body, signature in bodies:
                answers.append(await _post(http, hook.url, body, signature))
            answered = time.perf_counter()
            await hook.services.webhooks.process_all()
            counted = time.perf_counter()
        final = await hook.services.petitions.get_by_id(hook.petition_id)
        assert final.total == total, (final.total, total)
    return {
        "rally_per_s": total / (counted - started),
        "accept_per_s": total / (answered - started),
        "answer_p50_ms": statistics.median(answers) * 1000,
        "answer_max_ms": max(answers) * 1000,
    }


async def _burst(path: Path, requests: int, config: SignerConfig) -> dict[str, Any]:
    """`requests` single-signature requests at once, the background worker counting meanwhile."""
    async with _serving(path, config) as hook:
        bodies = _signed(hook.secret, 1, requests)
        worker = WebhookWorker(hook.services.webhooks, poll_seconds=0.5)
        worker.start()
        try:
            connector = aiohttp.TCPConnector(limit=requests)
            async with aiohttp.ClientSession(connector=connector) as http:
                answers = await asyncio.gather(
                    *(_post(http, hook.url, body, signature) for body, signature in bodies)
                )
            await hook.services.webhooks.process_all()
        finally:
            await worker.stop()
        final = await hook.services.petitions.get_by_id(hook.petition_id)
        assert final.total == requests, (final.total, requests)
    ordered = sorted(answers)
    return {
        "p50_ms": ordered[max(1, math.ceil(0.5 * len(ordered))) - 1] * 1000,
        "p99_ms": ordered[max(1, math.ceil(0.99 * len(ordered))) - 1] * 1000,
    }


def _raw_insert(path: Path, rows: list[tuple[Any, ...]], batch: int) -> float:
    """Rows/s of plain sqlite3 executemany into a bare table, one commit per `batch` rows."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute(
            "CREATE TABLE raw (signer_number INTEGER PRIMARY KEY, external_id TEXT UNIQUE, "
            "email_hash TEXT, name_postal_hash TEXT, sealed_name BLOB, sealed_postal_code BLOB, "
            "sealed_email BLOB, signed_at TEXT)"
        )
        started = time.perf_counter()
        for start in range(0, len(rows), batch):
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(
                "INSERT INTO raw VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows[start : start + batch]
            )
            conn.execute("COMMIT")
        elapsed = time.perf_counter() - started
    finally:
        conn.close()
    return len(rows) / elapsed


def _raw(path: Path, batch: int, total: int, config: SignerConfig) -> float:
    """The same rows, hashed and sealed beforehand, with sqlite3 executemany (a commit a batch)."""
    assert config.hasher is not None
    staged = []
    for start in range(0, total, GENERIC_MAX_EVENTS):
        count = min(GENERIC_MAX_EVENTS, total - start)
        parsed = parse_generic(_rows(start, count), datetime.now(UTC))
        staged += stage(parsed.events, config.hasher, config.sealer)
    rows = [
        (
            n + 1,
            e.external_id,
            e.email_hash,
            e.name_postal_hash,
            e.sealed_name,
            e.sealed_postal_code,
            e.sealed_email,
            e.signed_at.isoformat(),
        )
        for n, e in enumerate(staged)
    ]
    return _raw_insert(path, rows, batch)


# --- CSV import -------------------------------------------------------------------------------


def write_csv(path: Path, rows: int) -> None:
    """A CSV export as petition sites write them: one distinct person a row."""
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("name,email,postal_code\n")
        for start in range(0, rows, 10_000):
            out.write(
                "".join(
                    f"Signer Number{n},signer.{n}@example.org,{10000 + n % 89999}\n"
                    for n in range(start, min(rows, start + 10_000))
                )
            )


async def _csv_rally(
    path: Path, csv_path: Path, rows: int, config: SignerConfig
) -> tuple[float, float]:
    """Seconds for `ImportService.run` to count the whole file and answer; then seconds more
    until its staged rows are deleted."""
    db = Database(path)
    await db.open()
    try:
        services = Services.build(db, signer_config=config)
        petition = await services.petitions.create(
            ORGANIZER, parse_draft(title="Bench", recipient="Someone", letter="Please.")
        )
        started = time.perf_counter()
        summary = await services.imports.run(ORGANIZER, petition.code, csv_path, csv_path.name)
        elapsed = time.perf_counter() - started  # counted and answered
        assert summary.imported == rows, (summary.imported, rows)
        await services.imports.settled()  # the staged rows, deleted after the answer
        cleanup = time.perf_counter() - started - elapsed
    finally:
        await db.close()
    return elapsed, cleanup


def _csv_raw(path: Path, csv_path: Path, rows: int, config: SignerConfig) -> float:
    """Raw executemany of the first `rows` staged rows, made by Rally's own reader."""
    assert config.hasher is not None
    reader = FileReader(csv_path, hasher=config.hasher, sealer=config.sealer, now=datetime.now(UTC))
    staged: list[StagedRow] = []
    try:
        reader.open()
        while len(staged) < rows and (chunk := reader.next_chunk()) is not None:
            staged += chunk.rows
    finally:
        reader.close()
    values = [
        (
            n + 1,
            None,
            r.email_hash,
            r.name_postal_hash,
            r.sealed_name,
            r.sealed_postal_code,
            r.sealed_email,
            r.signed_at.isoformat(),
        )
        for n, r in enumerate(staged[:rows])
    ]
    return _raw_insert(path, values, CHUNK_ROWS)


# --- rows -------------------------------------------------------------------------------------


def _webhook_row(batch: int, total: int, rally: dict[str, Any], raw: float) -> dict[str, Any]:
    ratio = rally["rally_per_s"] / raw
    judged = batch == RATIO_GOAL_AT
    return {
        "bench": "ingest",
        "name": f"webhook · batches of {batch:,}",
        "batch": batch,
        "signatures": total,
        **rally,
        "raw_sqlite_per_s": raw,
        "ratio": round(ratio, 3),
        "goal": f"≥ {RATIO_GOAL:.0%} of raw" if judged else "",
        "ok": ratio >= RATIO_GOAL if judged else None,
    }


def main(scale: float = 1.0) -> list[dict[str, Any]]:
    """Measure every figure at `scale`; print and return one row per figure."""
    public, _ = new_key_pair()
    config = SignerConfig(
        sealer=Sealer(load_public_key(public)),
        hasher=Hasher(new_hash_key().encode()),
        import_max_bytes=IMPORT_MAX_BYTES,
    )
    results = []
    with tempfile.TemporaryDirectory(prefix="rally-ingest-") as folder:
        work = Path(folder)
        for batch in BATCH_SIZES:
            wanted = SINGLES if batch == 1 else SIGNATURES
            total = max(batch, int(wanted * scale) // batch * batch)
            rally = asyncio.run(_rally(work / f"rally-{batch}.db", batch, total, config))
            raw = _raw(work / f"raw-{batch}.db", batch, total, config)
            row = _webhook_row(batch, total, rally, raw)
            results.append(row)
            print(
                f"ingest batch {batch:>5}: {total:>6,} signatures — Rally "
                f"{row['rally_per_s']:>9,.0f}/s (answered at {row['accept_per_s']:,.0f}/s, "
                f"p50 {row['answer_p50_ms']:.1f} ms, max {row['answer_max_ms']:.1f} ms); "
                f"raw sqlite3 executemany {raw:>11,.0f}/s; ratio {row['ratio']:.3f}"
            )
        requests = max(10, round(BURST_REQUESTS * min(1.0, scale * 10)))
        burst = asyncio.run(_burst(work / "burst.db", requests, config))
        results.append(
            {
                "bench": "ingest",
                "name": f"webhook burst · {requests} requests at once",
                "requests": requests,
                **burst,
                "goal": f"p99 < {BURST_P99_GOAL_MS:.0f} ms",
                "ok": burst["p99_ms"] < BURST_P99_GOAL_MS,
            }
        )
        print(
            f"ingest burst: {requests} single-signature requests at once — answered "
            f"p50 {burst['p50_ms']:.1f} ms, p99 {burst['p99_ms']:.1f} ms"
        )
        rows = max(1000, round(CSV_ROWS * scale))
        csv_path = work / "export.csv"
        write_csv(csv_path, rows)
        seconds, cleanup = asyncio.run(_csv_rally(work / "csv.db", csv_path, rows, config))
        raw = _csv_raw(work / "csv-raw.db", csv_path, min(rows, RAW_CSV_ROWS), config)
        full = rows == CSV_ROWS
        results.append(
            {
                "bench": "ingest",
                "name": f"CSV import · {rows:,} rows",
                "rows": rows,
                "seconds": seconds,
                "staged_rows_deleted_after_s": round(cleanup, 2),
                "rally_per_s": rows / seconds,
                "raw_sqlite_per_s": raw,
                "ratio": round(rows / seconds / raw, 3),
                "goal": f"{CSV_ROWS:,} rows < {CSV_GOAL_S:.0f} s" if full else "",
                "ok": seconds < CSV_GOAL_S if full else None,
            }
        )
        print(
            f"ingest CSV: {rows:,} rows imported in {seconds:.1f} s (staged rows deleted "
            f"{cleanup:.1f} s after) — Rally {rows / seconds:,.0f}"
            f"/s; raw sqlite3 executemany {raw:,.0f}/s"
        )
    return results


if __name__ == "__main__":
    freeze_startup_objects()
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0)
