"""Petitions repository: rows of `petitions` and `goal_changes` as domain models."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from bot.db.database import Connection
from bot.domain.clock import from_text, to_text
from bot.domain.petitions import GoalChange, Petition, PetitionDraft, Status

_COLUMNS = (
    "id, code, guild_id, title, recipient, letter, link, goal, goal_is_custom, external_count, "
    "signature_count, status, language, organization, author_id, author_name, created_at, "
    "updated_at, milestone_ladder"
)


def _petition(row: sqlite3.Row) -> Petition:
    return Petition(
        id=row["id"],
        code=row["code"],
        guild_id=row["guild_id"],
        title=row["title"],
        recipient=row["recipient"],
        letter=row["letter"],
        link=row["link"],
        goal=row["goal"],
        goal_is_custom=bool(row["goal_is_custom"]),
        external_count=row["external_count"],
        signature_count=row["signature_count"],
        status=Status(row["status"]),
        language=row["language"],
        organization=row["organization"],
        author_id=row["author_id"],
        author_name=row["author_name"],
        created_at=from_text(row["created_at"]),
        updated_at=from_text(row["updated_at"]),
        milestone_ladder=_ladder(row["milestone_ladder"]),
    )


def _ladder(text: str | None) -> tuple[int, ...] | None:
    return tuple(int(part) for part in text.split(",")) if text else None


async def insert(
    conn: Connection,
    *,
    code: str,
    guild_id: int,
    draft: PetitionDraft,
    goal: int,
    language: str,
    organization: str | None,
    author_id: int,
    author_name: str,
    now: datetime,
) -> int | None:
    """Insert a petition; None when `code` is taken (the caller draws another)."""
    try:
        return await conn.execute(
            "INSERT INTO petitions (code, guild_id, title, recipient, letter, link, goal, "
            "goal_is_custom, language, organization, author_id, author_name, created_at, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                code,
                guild_id,
                draft.title,
                draft.recipient,
                draft.letter,
                draft.link,
                goal,
                int(draft.goal is not None),
                language,
                organization,
                author_id,
                author_name,
                to_text(now),
                to_text(now),
            ),
        )
    except sqlite3.IntegrityError as exc:
        if "petitions.code" in str(exc):
            return None
        raise


async def by_id(conn: Connection, petition_id: int) -> Petition | None:
    row = await conn.fetchone(f"SELECT {_COLUMNS} FROM petitions WHERE id = ?", (petition_id,))
    return None if row is None else _petition(row)


async def by_code(conn: Connection, guild_id: int, code: str) -> Petition | None:
    """A petition of this server that is not deleted."""
    row = await conn.fetchone(
        f"SELECT {_COLUMNS} FROM petitions WHERE code = ? AND guild_id = ? AND status != 'deleted'",
        (code, guild_id),
    )
    return None if row is None else _petition(row)


async def list_page(
    conn: Connection,
    guild_id: int,
    *,
    statuses: tuple[str, ...],
    offset: int,
    limit: int,
    followed: bool = False,
) -> tuple[list[Petition], int]:
    """A page of this server's petitions, newest first; with `followed`, also those of other
    servers it follows (a coalition's)."""
    marks = ", ".join("?" for _ in statuses)
    where = (
        "(guild_id = ? OR (? AND id IN (SELECT petition_id FROM petition_partners "
        f"WHERE guild_id = ? AND status = 'following'))) AND status IN ({marks})"
    )
    params = (guild_id, followed, guild_id, *statuses)
    rows = await conn.fetchall(
        f"SELECT {_COLUMNS} FROM petitions WHERE {where} ORDER BY id DESC LIMIT ? OFFSET ?",
        (*params, limit, offset),
    )
    total = await conn.fetchval(f"SELECT COUNT(*) FROM petitions WHERE {where}", params)
    return [_petition(row) for row in rows], int(total)


async def search(conn: Connection, guild_id: int, text: str, limit: int) -> list[Petition]:
    """Petitions of this server (not deleted) whose code or title contains `text`."""
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    rows = await conn.fetchall(
        f"SELECT {_COLUMNS} FROM petitions WHERE guild_id = ? AND status != 'deleted' "
        "AND (code LIKE ? ESCAPE '\\' OR title LIKE ? ESCAPE '\\') "
        "ORDER BY status = 'open' DESC, id DESC LIMIT ?",
        (guild_id, pattern, pattern, limit),
    )
    return [_petition(row) for row in rows]


async def update_text(
    conn: Connection, petition_id: int, draft: PetitionDraft, now: datetime
) -> None:
    await conn.execute(
        "UPDATE petitions SET title = ?, recipient = ?, letter = ?, link = ?, updated_at = ? "
        "WHERE id = ?",
        (draft.title, draft.recipient, draft.letter, draft.link, to_text(now), petition_id),
    )


async def set_status(conn: Connection, petition_id: int, status: Status, now: datetime) -> None:
    stamp = to_text(now)
    await conn.execute(
        "UPDATE petitions SET status = ?, updated_at = ?, "
        "closed_at = CASE WHEN ? = 'closed' THEN ? ELSE closed_at END, "
        "deleted_at = CASE WHEN ? = 'deleted' THEN ? ELSE deleted_at END WHERE id = ?",
        (status.value, stamp, status.value, stamp, status.value, stamp, petition_id),
    )


async def set_external(conn: Connection, petition_id: int, count: int, now: datetime) -> None:
    await conn.execute(
        "UPDATE petitions SET external_count = ?, updated_at = ? WHERE id = ?",
        (count, to_text(now), petition_id),
    )


async def change_goal(
    conn: Connection,
    petition_id: int,
    change: GoalChange,
    *,
    reason: str,
    now: datetime,
) -> None:
    """Set the goal and record the change (from, to, when, why) in the same transaction."""
    await conn.execute(
        "UPDATE petitions SET goal = ?, goal_is_custom = ?, updated_at = ? WHERE id = ?",
        (change.to_goal, int(reason == "organizer"), to_text(now), petition_id),
    )
    await conn.execute(
        "INSERT INTO goal_changes (petition_id, from_goal, to_goal, reason, changed_at) "
        "VALUES (?, ?, ?, ?, ?)",
        (petition_id, change.from_goal, change.to_goal, reason, to_text(now)),
    )


async def goal_history(conn: Connection, petition_id: int) -> list[tuple[int, int, str, datetime]]:
    rows = await conn.fetchall(
        "SELECT from_goal, to_goal, reason, changed_at FROM goal_changes "
        "WHERE petition_id = ? ORDER BY id",
        (petition_id,),
    )
    return [(r[0], r[1], r[2], from_text(r[3])) for r in rows]


async def add_signatures(conn: Connection, petition_id: int, delta: int) -> tuple[int, int]:
    """Adjust the counter by `delta`; return (signature_count, total incl. external)."""
    await conn.execute(
        "UPDATE petitions SET signature_count = signature_count + ? WHERE id = ?",
        (delta, petition_id),
    )
    row = await conn.fetchone(
        "SELECT signature_count, signature_count + external_count FROM petitions WHERE id = ?",
        (petition_id,),
    )
    assert row is not None
    return int(row[0]), int(row[1])


async def count_new_signature(conn: Connection, petition_id: int) -> tuple[int, int]:
    """Count one more signature; return (the new total, a signer number no one had before).

    The number is the new total, or one past the last number given when withdrawals brought
    the total below it. One statement: under a surge every round trip counts.
    """
    row = await conn.fetchone(
        "UPDATE petitions SET signature_count = signature_count + 1, "
        "last_signer_number = MAX(last_signer_number + 1, signature_count + 1 + external_count) "
        "WHERE id = ? RETURNING signature_count + external_count, last_signer_number",
        (petition_id,),
    )
    assert row is not None
    return int(row[0]), int(row[1])


async def guild_counts(conn: Connection, guild_id: int) -> tuple[int, int]:
    """(petitions not deleted, signatures counted) in a server."""
    row = await conn.fetchone(
        "SELECT COUNT(*), COALESCE(SUM(signature_count + external_count), 0) FROM petitions "
        "WHERE guild_id = ? AND status != 'deleted'",
        (guild_id,),
    )
    assert row is not None
    return int(row[0]), int(row[1])


async def set_milestone_ladder(conn: Connection, petition_id: int, ladder: str | None) -> None:
    await conn.execute(
        "UPDATE petitions SET milestone_ladder = ? WHERE id = ?", (ladder, petition_id)
    )
