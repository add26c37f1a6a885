"""Drives repository: drives, teams, participants with their referral codes, offline logs.

Counters (`signature_count`, `logged_count`, a participant's `recruits` and `logged`) are kept by
the triggers of the drives migration (`*_drives.sql`); this module only reads them.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.db.database import Connection
from bot.db.signatures import DuplicateSignature
from bot.domain.clock import from_text, to_text
from bot.domain.drives import (
    Drive,
    DriveStatus,
    DriveWindow,
    Participant,
    Recruiter,
    Team,
)

_COLUMNS = (
    "d.id, d.guild_id, d.petition_id, d.name, d.goal, d.starts_at, d.ends_at, d.channel_id, "
    "d.requires_approval, d.status, d.status_message_id, d.created_by, d.ended_at, "
    "d.signature_count, d.logged_count, d.log_cap"
)


def _drive(r: Any) -> Drive:
    return Drive(
        id=r[0],
        guild_id=r[1],
        petition_id=r[2],
        name=r[3],
        goal=r[4],
        starts_at=from_text(r[5]),
        ends_at=from_text(r[6]),
        channel_id=r[7],
        requires_approval=bool(r[8]),
        status=DriveStatus(r[9]),
        status_message_id=r[10],
        created_by=r[11],
        ended_at=from_text(r[12]) if r[12] else None,
        signature_count=r[13],
        logged_count=r[14],
        log_cap=r[15],
    )


# -- drives ----------------------------------------------------------------------------------
async def insert(
    conn: Connection,
    *,
    guild_id: int,
    petition_id: int,
    name: str,
    goal: int,
    starts_at: datetime,
    ends_at: datetime,
    channel_id: int,
    requires_approval: bool,
    log_cap: int,
    created_by: int,
    now: datetime,
) -> int | None:
    """A new drive; None when the server already has a drive of that name."""
    try:
        return await conn.execute(
            "INSERT INTO drives (guild_id, petition_id, name, goal, starts_at, ends_at, "
            "channel_id, requires_approval, log_cap, created_by, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                guild_id,
                petition_id,
                name,
                goal,
                to_text(starts_at),
                to_text(ends_at),
                channel_id,
                int(requires_approval),
                log_cap,
                created_by,
                to_text(now),
            ),
        )
    except sqlite3.IntegrityError as exc:
        if "drives.guild_id, drives.name" in str(exc):
            return None
        raise


async def by_id(conn: Connection, drive_id: int) -> Drive | None:
    row = await conn.fetchone(f"SELECT {_COLUMNS} FROM drives d WHERE d.id = ?", (drive_id,))
    return None if row is None else _drive(row)


async def by_name(conn: Connection, guild_id: int, name: str) -> Drive | None:
    row = await conn.fetchone(
        f"SELECT {_COLUMNS} FROM drives d WHERE d.guild_id = ? AND d.name = ? COLLATE NOCASE",
        (guild_id, name.strip()),
    )
    return None if row is None else _drive(row)


async def name_taken(conn: Connection, guild_id: int, name: str, *, besides: int) -> bool:
    found = await conn.fetchval(
        "SELECT 1 FROM drives WHERE guild_id = ? AND name = ? COLLATE NOCASE AND id != ?",
        (guild_id, name, besides),
    )
    return found is not None


async def of_guild(conn: Connection, guild_id: int, *, limit: int = 25) -> list[Drive]:
    """A server's drives, those not ended first, newest first."""
    rows = await conn.fetchall(
        f"SELECT {_COLUMNS} FROM drives d WHERE d.guild_id = ? "
        "ORDER BY d.status = 'ended', d.starts_at DESC LIMIT ?",
        (guild_id, limit),
    )
    return [_drive(r) for r in rows]


async def search(conn: Connection, guild_id: int, text: str, limit: int) -> list[Drive]:
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    rows = await conn.fetchall(
        f"SELECT {_COLUMNS} FROM drives d WHERE d.guild_id = ? AND d.name LIKE ? ESCAPE '\\' "
        "ORDER BY d.status = 'ended', d.id DESC LIMIT ?",
        (guild_id, pattern, limit),
    )
    return [_drive(r) for r in rows]


async def not_ended(conn: Connection, guild_id: int) -> list[Drive]:
    rows = await conn.fetchall(
        f"SELECT {_COLUMNS} FROM drives d WHERE d.guild_id = ? AND d.status != 'ended' "
        "ORDER BY d.starts_at",
        (guild_id,),
    )
    return [_drive(r) for r in rows]


async def overlapping(
    conn: Connection, petition_id: int, start: datetime, end: datetime, *, besides: int = 0
) -> Drive | None:
    """A drive of the same petition, not ended, whose time overlaps [start, end)."""
    row = await conn.fetchone(
        f"SELECT {_COLUMNS} FROM drives d WHERE d.petition_id = ? AND d.status != 'ended' "
        "AND d.id != ? AND d.starts_at < ? AND d.ends_at > ? LIMIT 1",
        (petition_id, besides, to_text(end), to_text(start)),
    )
    return None if row is None else _drive(row)


async def open_windows(conn: Connection) -> list[DriveWindow]:
    """When each drive that has not ended counts its petition's signatures."""
    rows = await conn.fetchall(
        "SELECT id, petition_id, starts_at, ends_at FROM drives WHERE status != 'ended'"
    )
    return [DriveWindow(r[0], r[1], from_text(r[2]), from_text(r[3])) for r in rows]


async def update(conn: Connection, drive_id: int, changes: dict[str, object]) -> None:
    """Change columns of a drive (names come from the service, never from a member)."""
    allowed = {
        "name",
        "goal",
        "starts_at",
        "ends_at",
        "channel_id",
        "requires_approval",
        "log_cap",
    }
    assert set(changes) <= allowed, changes
    if not changes:
        return
    values = [to_text(v) if isinstance(v, datetime) else v for v in changes.values()]
    sets = ", ".join(f"{column} = ?" for column in changes)
    await conn.execute(f"UPDATE drives SET {sets} WHERE id = ?", (*values, drive_id))


async def set_status(
    conn: Connection, drive_id: int, status: DriveStatus, *, ended_at: datetime | None = None
) -> None:
    await conn.execute(
        "UPDATE drives SET status = ?, ended_at = COALESCE(?, ended_at) WHERE id = ?",
        (status.value, to_text(ended_at) if ended_at else None, drive_id),
    )


async def set_status_message(conn: Connection, drive_id: int, message_id: int | None) -> None:
    await conn.execute(
        "UPDATE drives SET status_message_id = ? WHERE id = ?", (message_id, drive_id)
    )


@dataclass(frozen=True, slots=True)
class SignProgress:
    """A drive right after a signature: its total, the recruiter's recruits, the signer's code."""

    name: str
    channel_id: int
    total: int
    goal: int
    recruits: int
    own_code: str | None


async def progress_after_signing(
    conn: Connection, drive_id: int, *, recruiter_id: int | None, user_id: int
) -> SignProgress:
    row = await conn.fetchone(
        "SELECT d.name, d.channel_id, d.signature_count + d.logged_count, d.goal, "
        "(SELECT recruits FROM drive_participants WHERE id = :recruiter), "
        "(SELECT rc.code FROM drive_participants me "
        " JOIN referral_codes rc ON rc.participant_id = me.id "
        " WHERE me.drive_id = d.id AND me.user_id = :user) "
        "FROM drives d WHERE d.id = :drive",
        {"drive": drive_id, "recruiter": recruiter_id, "user": user_id},
    )
    assert row is not None
    return SignProgress(row[0], row[1], int(row[2]), int(row[3]), int(row[4] or 0), row[5])


async def insert_signature(
    conn: Connection,
    *,
    petition_id: int,
    signer_id: int,
    guild_id: int | None,
    signer_number: int,
    drive_id: int,
    referral_code_id: int | None,
    now: datetime,
) -> int:
    """A member's signature made during a drive (and maybe with a code); the triggers count it
    for the drive and the recruiter."""
    try:
        return await conn.execute(
            "INSERT INTO signatures (petition_id, signer_id, guild_id, source, signer_number, "
            "signed_at, drive_id, referral_code_id) VALUES (?, ?, ?, 'discord', ?, ?, ?, ?)",
            (
                petition_id,
                signer_id,
                guild_id,
                signer_number,
                to_text(now),
                drive_id,
                referral_code_id,
            ),
        )
    except sqlite3.IntegrityError as exc:
        if "signatures.petition_id, signatures.signer_id" in str(exc):
            raise DuplicateSignature from None
        raise


# -- referral codes --------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ReferralMatch:
    code_id: int
    participant_id: int
    user_id: int
    drive: Drive


async def referrals(conn: Connection, guild_id: int, code: str) -> list[ReferralMatch]:
    """Every drive of the server with this code (codes are unique within a drive only)."""
    rows = await conn.fetchall(
        f"SELECT rc.id, p.id, p.user_id, {_COLUMNS} FROM referral_codes rc "
        "JOIN drives d ON d.id = rc.drive_id "
        "JOIN drive_participants p ON p.id = rc.participant_id "
        "WHERE rc.code = ? AND d.guild_id = ? ORDER BY d.id DESC",
        (code, guild_id),
    )
    return [ReferralMatch(r[0], r[1], r[2], _drive(r[3:])) for r in rows]


async def insert_code(
    conn: Connection, drive_id: int, participant_id: int, code: str, now: datetime
) -> bool:
    """Give a participant a code; False when another participant of the drive has it."""
    count = await conn.execute_rowcount(
        "INSERT INTO referral_codes (drive_id, participant_id, code, created_at) "
        "VALUES (?, ?, ?, ?) ON CONFLICT (drive_id, code) DO NOTHING",
        (drive_id, participant_id, code, to_text(now)),
    )
    return count > 0


# -- participants ----------------------------------------------------------------------------
async def participant(conn: Connection, drive_id: int, user_id: int) -> Participant | None:
    row = await conn.fetchone(
        "SELECT p.id, p.drive_id, p.user_id, p.team_id, rc.code, p.recruits, p.logged "
        "FROM drive_participants p LEFT JOIN referral_codes rc ON rc.participant_id = p.id "
        "WHERE p.drive_id = ? AND p.user_id = ?",
        (drive_id, user_id),
    )
    return None if row is None else Participant(*tuple(row))


async def insert_participant(
    conn: Connection,
    drive_id: int,
    user_id: int,
    *,
    signer_id: int | None,
    team_id: int | None,
    now: datetime,
) -> int:
    return await conn.execute(
        "INSERT INTO drive_participants (drive_id, user_id, signer_id, team_id, joined_at) "
        "VALUES (?, ?, ?, ?, ?)",
        (drive_id, user_id, signer_id, team_id, to_text(now)),
    )


async def set_team(conn: Connection, participant_id: int, team_id: int | None) -> None:
    await conn.execute(
        "UPDATE drive_participants SET team_id = ? WHERE id = ?", (team_id, participant_id)
    )


async def participant_count(conn: Connection, drive_id: int) -> int:
    return int(
        await conn.fetchval(
            "SELECT COUNT(*) FROM drive_participants WHERE drive_id = ?", (drive_id,)
        )
    )


async def top_recruiters(conn: Connection, drive_id: int, limit: int = 5) -> list[Recruiter]:
    """The volunteers who brought the most (recruits, then approved logs), with the name they
    chose to show — or None."""
    rows = await conn.fetchall(
        "SELECT p.user_id, CASE WHEN s.show_name = 1 THEN s.public_name END, p.recruits, p.logged "
        "FROM drive_participants p "
        "LEFT JOIN member_links m ON m.user_id = p.user_id "
        "LEFT JOIN signers s ON s.id = m.signer_id "
        "WHERE p.drive_id = ? AND p.recruits + p.logged > 0 "
        "ORDER BY p.recruits + p.logged DESC, p.recruits DESC, p.id LIMIT ?",
        (drive_id, limit),
    )
    return [Recruiter(r[0], r[1], r[2], r[3]) for r in rows]


# -- teams -----------------------------------------------------------------------------------
async def insert_team(
    conn: Connection, drive_id: int, name: str, key: str, now: datetime
) -> int | None:
    """A new team; None when the drive has a team of that name already."""
    count = await conn.execute_rowcount(
        "INSERT INTO teams (drive_id, name, name_key, created_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (drive_id, name_key) DO NOTHING",
        (drive_id, name, key, to_text(now)),
    )
    if count == 0:
        return None
    return int(await conn.fetchval("SELECT last_insert_rowid()"))


async def team_by_key(conn: Connection, drive_id: int, key: str) -> Team | None:
    row = await conn.fetchone(
        "SELECT id, drive_id, name FROM teams WHERE drive_id = ? AND name_key = ?",
        (drive_id, key),
    )
    return None if row is None else Team(row[0], row[1], row[2])


async def team_by_id(conn: Connection, team_id: int) -> Team | None:
    row = await conn.fetchone("SELECT id, drive_id, name FROM teams WHERE id = ?", (team_id,))
    return None if row is None else Team(row[0], row[1], row[2])


async def teams(conn: Connection, drive_id: int) -> list[Team]:
    """A drive's teams with their totals (recruits and approved logs of their members), best
    first."""
    rows = await conn.fetchall(
        "SELECT t.id, t.drive_id, t.name, COUNT(p.id), COALESCE(SUM(p.recruits), 0), "
        "COALESCE(SUM(p.logged), 0) FROM teams t "
        "LEFT JOIN drive_participants p ON p.team_id = t.id "
        "WHERE t.drive_id = ? GROUP BY t.id "
        "ORDER BY COALESCE(SUM(p.recruits + p.logged), 0) DESC, t.name",
        (drive_id,),
    )
    return [Team(*tuple(r)) for r in rows]


async def team_count(conn: Connection, drive_id: int) -> int:
    return int(await conn.fetchval("SELECT COUNT(*) FROM teams WHERE drive_id = ?", (drive_id,)))
