"""Reward roles repository: count → role, the roles Rally granted, and who needs a check.

`reward_checks` is filled by the signature triggers of the drives migration whenever a recruiter's
counted recruits change (a referral signature, a withdrawal, an import, a forgotten signer).
"""

from __future__ import annotations

from datetime import datetime

from bot.db.database import Connection
from bot.domain.clock import to_text
from bot.domain.drives import RewardRole


async def roles(conn: Connection, guild_id: int) -> list[RewardRole]:
    rows = await conn.fetchall(
        "SELECT recruits, role_id FROM reward_roles WHERE guild_id = ? ORDER BY recruits",
        (guild_id,),
    )
    return [RewardRole(r[0], r[1]) for r in rows]


async def set_role(
    conn: Connection, guild_id: int, recruits: int, role_id: int, now: datetime
) -> None:
    """Map `recruits` → `role_id`, replacing whatever either was mapped to before."""
    await conn.execute(
        "DELETE FROM reward_roles WHERE guild_id = ? AND (recruits = ? OR role_id = ?)",
        (guild_id, recruits, role_id),
    )
    await conn.execute(
        "INSERT INTO reward_roles (guild_id, recruits, role_id, created_at) VALUES (?, ?, ?, ?)",
        (guild_id, recruits, role_id, to_text(now)),
    )


async def remove_role(conn: Connection, guild_id: int, recruits: int) -> bool:
    count = await conn.execute_rowcount(
        "DELETE FROM reward_roles WHERE guild_id = ? AND recruits = ?", (guild_id, recruits)
    )
    return count > 0


async def check_everyone(conn: Connection, guild_id: int) -> None:
    """Queue a check of every recruiter of the server and everyone holding a reward."""
    await conn.execute(
        "INSERT OR IGNORE INTO reward_checks (guild_id, user_id) "
        "SELECT d.guild_id, p.user_id FROM drive_participants p "
        "JOIN drives d ON d.id = p.drive_id WHERE d.guild_id = ? AND p.recruits > 0 "
        "UNION SELECT guild_id, user_id FROM reward_grants WHERE guild_id = ?",
        (guild_id, guild_id),
    )


async def pending_checks(conn: Connection, limit: int = 50) -> list[tuple[int, int]]:
    rows = await conn.fetchall(
        "SELECT guild_id, user_id FROM reward_checks ORDER BY guild_id, user_id LIMIT ?", (limit,)
    )
    return [(r[0], r[1]) for r in rows]


async def queue_check(conn: Connection, guild_id: int, user_id: int) -> None:
    await conn.execute(
        "INSERT OR IGNORE INTO reward_checks (guild_id, user_id) VALUES (?, ?)",
        (guild_id, user_id),
    )


async def done_check(conn: Connection, guild_id: int, user_id: int) -> None:
    await conn.execute(
        "DELETE FROM reward_checks WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
    )


async def recruits_of(conn: Connection, guild_id: int, user_id: int) -> int:
    """A member's counted recruits over every drive of the server."""
    value = await conn.fetchval(
        "SELECT COALESCE(SUM(p.recruits), 0) FROM drive_participants p "
        "JOIN drives d ON d.id = p.drive_id WHERE d.guild_id = ? AND p.user_id = ?",
        (guild_id, user_id),
    )
    return int(value)


async def granted(conn: Connection, guild_id: int, user_id: int) -> set[int]:
    rows = await conn.fetchall(
        "SELECT role_id FROM reward_grants WHERE guild_id = ? AND user_id = ?",
        (guild_id, user_id),
    )
    return {int(r[0]) for r in rows}


async def record_grant(
    conn: Connection, guild_id: int, user_id: int, role_id: int, now: datetime
) -> None:
    await conn.execute(
        "INSERT OR IGNORE INTO reward_grants (guild_id, user_id, role_id, granted_at) "
        "VALUES (?, ?, ?, ?)",
        (guild_id, user_id, role_id, to_text(now)),
    )


async def record_removal(conn: Connection, guild_id: int, user_id: int, role_id: int) -> None:
    await conn.execute(
        "DELETE FROM reward_grants WHERE guild_id = ? AND user_id = ? AND role_id = ?",
        (guild_id, user_id, role_id),
    )
