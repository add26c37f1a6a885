"""Webhook ingest: signatures per second through Rally's web server, beside raw sqlite3.

For each batch size (1, 100 and 1,000 signatures per request) it builds a fresh SQLite file
migrated by Rally, one petition with a webhook secret, and Rally's real web server on 127.0.0.1.
Then, in the same run on the same machine:

- **rally**: the requests (generic format, `X-Rally-Signature` HMAC, bodies signed beforehand as
  the sender would) are POSTed one after another over real HTTP — each checked, hashed, sealed and
  stored before its 200 — and then the background processor counts them all (de-duplication,
  signer numbers, counters, milestones). Signatures/s = signatures ÷ (answering + counting);
- **raw**: the same rows (keyed hashes, sealed fields, ids, times), inserted with plain `sqlite3`
  `executemany` into a bare table, one commit per batch: the floor of what SQLite itself costs.

`python -m bench.ingest [scale]`; `main(scale)` returns one row per batch size (scale 1.0 sends
10,000 signatures per size, 1,000 for batches of one).
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp

from bot.db import Database
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
from bot.services.signers import SignerConfig
from bot.services.webhooks import stage
from bot.web.app import WebContext, WebServer

BATCH_SIZES = (1, 100, 1000)
SIGNATURES = 10_000
SINGLES = 1_000
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


async def _rally(path: Path, batch: int, total: int, config: SignerConfig) -> dict[str, Any]:
    db = Database(path)
    await db.open()
    services = Services.build(db, signer_config=config)
    server: WebServer | None = None
    try:
        petition = await services.petitions.create(
            ORGANIZER, parse_draft(title="Bench", recipient="Someone", letter="Please.")
        )
        secret = (await services.webhooks.endpoint(ORGANIZER, petition.code)).secret
        bodies = []
        for start in range(0, total, batch):
            body = json.dumps({"signatures": _rows(start, batch)}).encode()
            bodies.append((body, body_signature(secret, body)))
        context = WebContext(db, services, Metrics(), lambda: True, max_bytes=8 * 1024 * 1024)
        server = WebServer(context)
        await server.start()
        url = f"{server.url}/hooks/generic/{petition.code}"
        answers: list[float] = []
        async with aiohttp.ClientSession() as http:
            started = time.perf_counter()
            for body, signature in bodies:
                sent = time.perf_counter()
                headers = {"Content-Type": "application/json", SIGNATURE_HEADER: signature}
                async with http.post(url, data=body, headers=headers) as response:
                    assert response.status == 200, await response.text()
                answers.append(time.perf_counter() - sent)
            answered = time.perf_counter()
            await services.webhooks.process_all()
            counted = time.perf_counter()
        final = await services.petitions.get_by_id(petition.id)
        assert final.total == total, (final.total, total)
    finally:
        if server is not None:
            await server.stop()
        await db.close()
    return {
        "rally_per_s": total / (counted - started),
        "accept_per_s": total / (answered - started),
        "answer_p50_ms": statistics.median(answers) * 1000,
        "answer_max_ms": max(answers) * 1000,
    }


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
        for start in range(0, total, batch):
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(
                "INSERT INTO raw VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows[start : start + batch]
            )
            conn.execute("COMMIT")
        elapsed = time.perf_counter() - started
    finally:
        conn.close()
    return total / elapsed


def main(scale: float = 1.0) -> list[dict[str, Any]]:
    """Measure every batch size at `scale`; print and return one row per size."""
    public, _ = new_key_pair()
    config = SignerConfig(
        sealer=Sealer(load_public_key(public)), hasher=Hasher(new_hash_key().encode())
    )
    results = []
    with tempfile.TemporaryDirectory(prefix="rally-ingest-") as folder:
        for batch in BATCH_SIZES:
            wanted = SINGLES if batch == 1 else SIGNATURES
            total = max(batch, int(wanted * scale) // batch * batch)
            rally = asyncio.run(_rally(Path(folder) / f"rally-{batch}.db", batch, total, config))
            raw = _raw(Path(folder) / f"raw-{batch}.db", batch, total, config)
            row = {
                "bench": "ingest",
                "batch": batch,
                "signatures": total,
                **rally,
                "raw_sqlite_per_s": raw,
            }
            results.append(row)
            print(
                f"ingest batch {batch:>5}: {total:>6,} signatures — Rally "
                f"{row['rally_per_s']:>9,.0f}/s (answered at {row['accept_per_s']:,.0f}/s, "
                f"p50 {row['answer_p50_ms']:.1f} ms, max {row['answer_max_ms']:.1f} ms); "
                f"raw sqlite3 executemany {raw:>11,.0f}/s"
            )
    return results


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0)
