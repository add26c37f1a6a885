"""Webhooks repository: petitions' endpoints and the durable inbox of accepted events.

An accepted event is stored already hashed and sealed (like an import row), keyed by
`(petition_id, event_key)` so a replay is recognised whenever it comes again. The processor
claims a petition's due events as one batch, counts them (`staged_signatures.count_staged` with
`WEBHOOK_EVENTS`), then marks them counted or duplicate and clears their personal columns: what
stays is the key, the outcome and the times.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.db.database import Connection
from bot.domain.clock import from_text, to_text

#: SQLite's default limit of host parameters is 32,766 (3.32+); keep well below.
KEYS_PER_QUERY = 500
_DUE = (
    "status = 'pending' AND petition_id = :petition "
    "AND (next_attempt_at IS NULL OR next_attempt_at <= :now)"
)


@dataclass(frozen=True, slots=True)
class Target:
    """What the endpoint needs to know about a petition code: which petition, and its nonce."""

    petition_id: int
    guild_id: int
    code: str
    deleted: bool
    nonce: str | None


@dataclass(frozen=True, slots=True)
class Endpoint:
    petition_id: int
    nonce: str
    created_at: datetime
    rotated_at: datetime | None


@dataclass(frozen=True, slots=True)
class NewEvent:
    """One checked event, hashed and sealed, ready to store."""

    event_key: str
    external_id: str | None
    email_hash: str | None
    name_postal_hash: str | None
    sealed_name: bytes | None
    sealed_postal_code: bytes | None
    sealed_email: bytes | None
    sealed_phone: bytes | None
    signed_at: datetime
    referral: str | None


@dataclass(frozen=True, slots=True)
class Stored:
    stored: int
    duplicate_keys: frozenset[str]


# -- endpoints ----------------------------------------------------------------------------------
async def target(conn: Connection, code: str) -> Target | None:
    row = await conn.fetchone(
        "SELECT p.id, p.guild_id, p.code, p.status, e.nonce FROM petitions p "
        "LEFT JOIN webhook_endpoints e ON e.petition_id = p.id WHERE p.code = ?",
        (code,),
    )
    if row is None:
        return None
    return Target(int(row[0]), int(row[1]), row[2], row[3] == "deleted", row[4])


async def endpoint(conn: Connection, petition_id: int) -> Endpoint | None:
    row = await conn.fetchone(
        "SELECT petition_id, nonce, created_at, rotated_at FROM webhook_endpoints "
        "WHERE petition_id = ?",
        (petition_id,),
    )
    if row is None:
        return None
    return Endpoint(int(row[0]), row[1], from_text(row[2]), from_text(row[3]) if row[3] else None)


async def create_endpoint(
    conn: Connection, petition_id: int, nonce: str, *, created_by: int, now: datetime
) -> None:
    await conn.execute(
        "INSERT INTO webhook_endpoints (petition_id, nonce, created_by, created_at) "
        "VALUES (?, ?, ?, ?)",
        (petition_id, nonce, created_by, to_text(now)),
    )


async def rotate(conn: Connection, petition_id: int, nonce: str, now: datetime) -> None:
    await conn.execute(
        "UPDATE webhook_endpoints SET nonce = ?, rotated_at = ? WHERE petition_id = ?",
        (nonce, to_text(now), petition_id),
    )


# -- the inbox ----------------------------------------------------------------------------------
async def store(
    conn: Connection, petition_id: int, kind: str, events: Sequence[NewEvent], now: datetime
) -> Stored:
    """Store the events whose key this petition has not seen; report the keys it had."""
    keys = [e.event_key for e in events]
    seen: set[str] = set()
    for start in range(0, len(keys), KEYS_PER_QUERY):
        chunk = keys[start : start + KEYS_PER_QUERY]
        marks = ", ".join("?" for _ in chunk)
        rows = await conn.fetchall(
            "SELECT event_key FROM webhook_events "
            f"WHERE petition_id = ? AND event_key IN ({marks})",
            (petition_id, *chunk),
        )
        seen.update(r[0] for r in rows)
    fresh: list[NewEvent] = []
    duplicates: set[str] = set()
    for event in events:
        if event.event_key in seen:
            duplicates.add(event.event_key)
        else:
            seen.add(event.event_key)
            fresh.append(event)
    stamp = to_text(now)
    await conn.executemany(
        "INSERT INTO webhook_events (petition_id, kind, event_key, external_id, email_hash, "
        "name_postal_hash, sealed_name, sealed_postal_code, sealed_email, sealed_phone, "
        "signed_at, referral, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                petition_id,
                kind,
                e.event_key,
                e.external_id,
                e.email_hash,
                e.name_postal_hash,
                e.sealed_name,
                e.sealed_postal_code,
                e.sealed_email,
                e.sealed_phone,
                to_text(e.signed_at),
                e.referral,
                stamp,
            )
            for e in fresh
        ],
    )
    return Stored(len(fresh), frozenset(duplicates))


async def petitions_due(conn: Connection, now: datetime, limit: int = 50) -> list[int]:
    """Petitions with events due for processing, the longest-waiting first.

    Asked petition by petition: each finds its first due event in the pending index and stops.
    Grouping the pending events instead read every one of them for every batch counted — a
    backlog of 300,000 events (a sender replaying after an outage) took ~170 ms a batch."""
    rows = await conn.fetchall(
        "SELECT id FROM (SELECT p.id, (SELECT MIN(e.id) FROM webhook_events e "
        "WHERE e.status = 'pending' AND e.petition_id = p.id "
        "AND (e.next_attempt_at IS NULL OR e.next_attempt_at <= :now)) AS first "
        "FROM petitions p) WHERE first IS NOT NULL ORDER BY first LIMIT :limit",
        {"now": to_text(now), "limit": limit},
    )
    return [int(r[0]) for r in rows]


async def claim(conn: Connection, petition_id: int, now: datetime, limit: int) -> int | None:
    """Mark up to `limit` due events of a petition as one batch; its id (None: nothing due)."""
    params = {"petition": petition_id, "now": to_text(now), "limit": limit}
    first = await conn.fetchval(f"SELECT MIN(id) FROM webhook_events WHERE {_DUE}", params)
    if first is None:
        return None
    await conn.execute(
        "UPDATE webhook_events SET batch = :batch WHERE id IN "
        f"(SELECT id FROM webhook_events WHERE {_DUE} ORDER BY id LIMIT :limit)",
        {**params, "batch": int(first)},
    )
    return int(first)


async def finish(conn: Connection, batch: int, now: datetime) -> tuple[int, int]:
    """Close a counted batch: counted or duplicate, personal columns cleared. → (counted, dups)."""
    row = await conn.fetchone(
        "SELECT COALESCE(SUM(outcome IS NULL), 0), COALESCE(SUM(outcome IS NOT NULL), 0) "
        "FROM webhook_events WHERE batch = ?",
        (batch,),
    )
    assert row is not None
    await conn.execute(
        "UPDATE webhook_events SET status = CASE WHEN outcome IS NULL THEN 'counted' "
        "ELSE 'duplicate' END, processed_at = ?, last_error = NULL, email_hash = NULL, "
        "name_postal_hash = NULL, sealed_name = NULL, sealed_postal_code = NULL, "
        "sealed_email = NULL, sealed_phone = NULL, referral = NULL, batch = NULL "
        "WHERE batch = ?",
        (to_text(now), batch),
    )
    return int(row[0]), int(row[1])


async def drop(conn: Connection, batch: int, reason: str, now: datetime) -> int:
    """Events that can never count (their petition was deleted): kept as 'dropped', emptied."""
    return await conn.execute_rowcount(
        "UPDATE webhook_events SET status = 'dropped', last_error = ?, processed_at = ?, "
        "email_hash = NULL, name_postal_hash = NULL, sealed_name = NULL, "
        "sealed_postal_code = NULL, sealed_email = NULL, sealed_phone = NULL, batch = NULL "
        "WHERE batch = ?",
        (reason, to_text(now), batch),
    )


async def record_failure(
    conn: Connection,
    petition_id: int,
    *,
    now: datetime,
    retry_at: datetime,
    limit: int,
    error: str,
    max_attempts: int,
) -> int:
    """The batch that failed (rolled back) tries again at `retry_at`; after `max_attempts` its
    events are 'failed' and stay stored for an operator. → how many events failed for good."""
    params = {
        "petition": petition_id,
        "now": to_text(now),
        "limit": limit,
        "at": to_text(retry_at),
        "error": error[:200],
        "max": max_attempts,
    }
    await conn.execute(
        "UPDATE webhook_events SET attempts = attempts + 1, next_attempt_at = :at, "
        "last_error = :error, status = CASE WHEN attempts + 1 >= :max THEN 'failed' "
        "ELSE status END WHERE id IN "
        f"(SELECT id FROM webhook_events WHERE {_DUE} ORDER BY id LIMIT :limit)",
        params,
    )
    return int(
        await conn.fetchval(
            "SELECT COUNT(*) FROM webhook_events WHERE petition_id = :petition "
            "AND status = 'failed' AND last_error = :error AND next_attempt_at = :at",
            params,
        )
    )


async def backlog(conn: Connection) -> int:
    """Events accepted and not yet counted."""
    return int(await conn.fetchval("SELECT COUNT(*) FROM webhook_events WHERE status = 'pending'"))


async def statuses(conn: Connection, petition_id: int) -> dict[str, int]:
    rows = await conn.fetchall(
        "SELECT status, COUNT(*) FROM webhook_events WHERE petition_id = ? GROUP BY status",
        (petition_id,),
    )
    return {r[0]: int(r[1]) for r in rows}
