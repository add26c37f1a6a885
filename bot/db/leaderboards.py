"""Leaderboards repository: the counters the triggers of `0006_leaderboards.sql` keep.

A page of a board is an index range scan: `recruiter_counts` is indexed by (scope, bucket,
value), so the top ten and a member's rank (how many are above them) never touch `signatures`.
`recount_recruiters` computes the same counters from scratch — for a server whose time zone
changed, and for the tests that check the triggers against it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.db.database import Connection
from bot.domain.clock import to_text
from bot.domain.leaderboards import (
    MIN_GROUP_DEFAULT,
    CurrentBuckets,
    GroupTotal,
    OwnStanding,
    Scope,
    Standing,
    competition_ranks,
)


@dataclass(frozen=True, slots=True)
class BoardSettings:
    guild_id: int
    zone: str | None  # the zone the day buckets were written for (None: not yet)
    count_logged: bool = True
    min_group: int = MIN_GROUP_DEFAULT


@dataclass(frozen=True, slots=True)
class Board:
    """Which counters: a scope (server, petition, drive), its id and a bucket. A recruiter's
    value is recruits + logged (`logged` stays 0 where the server does not count logs)."""

    scope: Scope
    scope_id: int
    bucket: str


# -- settings and zones ------------------------------------------------------------------------
async def settings(conn: Connection, guild_id: int) -> BoardSettings:
    row = await conn.fetchone(
        "SELECT zone, count_logged, min_group FROM leaderboard_guilds WHERE guild_id = ?",
        (guild_id,),
    )
    if row is None:
        return BoardSettings(guild_id, None)
    return BoardSettings(guild_id, row[0], bool(row[1]), int(row[2]))


async def save_settings(
    conn: Connection, guild_id: int, *, count_logged: bool | None, min_group: int | None
) -> None:
    await conn.execute(
        "INSERT INTO leaderboard_guilds (guild_id) VALUES (?) ON CONFLICT (guild_id) DO NOTHING",
        (guild_id,),
    )
    if count_logged is not None:
        await conn.execute(
            "UPDATE leaderboard_guilds SET count_logged = ? WHERE guild_id = ?",
            (int(count_logged), guild_id),
        )
    if min_group is not None:
        await conn.execute(
            "UPDATE leaderboard_guilds SET min_group = ? WHERE guild_id = ?", (min_group, guild_id)
        )


async def server_zone(conn: Connection, guild_id: int) -> str:
    value = await conn.fetchval(
        "SELECT timezone FROM guild_settings WHERE guild_id = ?", (guild_id,)
    )
    return "UTC" if value is None else str(value)


async def stale_zones(conn: Connection) -> list[tuple[int, str]]:
    """Servers whose buckets were written for another zone than the one set now (or none)."""
    rows = await conn.fetchall(
        "SELECT g.guild_id, g.timezone FROM guild_settings g "
        "LEFT JOIN leaderboard_guilds l ON l.guild_id = g.guild_id "
        "WHERE l.zone IS NOT g.timezone"
    )
    return [(int(r[0]), str(r[1])) for r in rows]


async def set_zone(
    conn: Connection,
    guild_id: int,
    zone: str,
    offsets: Sequence[tuple[datetime, int]],
    current: CurrentBuckets,
) -> None:
    """Write `zone`'s offsets for the server and recount its counters in that zone."""
    await conn.execute("DELETE FROM leaderboard_zones WHERE guild_id = ?", (guild_id,))
    await conn.executemany(
        "INSERT INTO leaderboard_zones (guild_id, since, offset_minutes) VALUES (?, ?, ?)",
        [(guild_id, to_text(since), minutes) for since, minutes in offsets],
    )
    await conn.execute(
        "INSERT INTO leaderboard_guilds (guild_id, zone) VALUES (?, ?) "
        "ON CONFLICT (guild_id) DO UPDATE SET zone = excluded.zone",
        (guild_id, zone),
    )
    await rebuild_recruiters(conn, guild_id, current)


# -- recounting --------------------------------------------------------------------------------
_EVENTS = """
SELECT p.user_id, d.guild_id, d.petition_id, d.id AS drive_id, s.signed_at AS at,
       1 AS recruits, 0 AS logged
  FROM signatures s
  JOIN referral_codes rc ON rc.id = s.referral_code_id
  JOIN drive_participants p ON p.id = rc.participant_id
  JOIN drives d ON d.id = rc.drive_id
 WHERE s.status = 'counted' {guild}
UNION ALL
SELECT p.user_id, d.guild_id, d.petition_id, d.id, l.created_at, 0, l.count
  FROM offline_logs l
  JOIN drive_participants p ON p.id = l.participant_id
  JOIN drives d ON d.id = p.drive_id
 WHERE l.status = 'approved' {guild}
   AND COALESCE((SELECT count_logged FROM leaderboard_guilds g WHERE g.guild_id = d.guild_id), 1)
"""

_RECOUNT = f"""
WITH e AS MATERIALIZED (
  SELECT ev.*, date(ev.at, printf('%+d minutes', COALESCE(
           (SELECT offset_minutes FROM leaderboard_zones z
             WHERE z.guild_id = ev.guild_id AND z.since <= ev.at
             ORDER BY z.since DESC LIMIT 1), 0))) AS day
    FROM ({_EVENTS}) AS ev)
SELECT s.scope,
       CASE s.scope WHEN 'g' THEN e.guild_id WHEN 'p' THEN e.petition_id ELSE e.drive_id END,
       CASE k.kind WHEN 'a' THEN '' WHEN 'd' THEN 'D' || e.day
                   WHEN 'w' THEN 'W' || date(e.day, '-6 days', 'weekday 1')
                   ELSE 'M' || substr(e.day, 1, 7) END,
       e.user_id, SUM(e.recruits), SUM(e.logged), e.guild_id
  FROM e,
       (SELECT 'g' AS scope UNION ALL SELECT 'p' UNION ALL SELECT 'd') AS s,
       (SELECT 'a' AS kind UNION ALL SELECT 'd' UNION ALL SELECT 'w' UNION ALL SELECT 'm') AS k
 WHERE k.kind = 'a' OR (k.kind = 'd' AND e.day >= :from_day)
    OR (k.kind = 'w' AND e.day >= :from_week) OR (k.kind = 'm' AND e.day >= :from_month)
 GROUP BY 1, 2, 3, 4
"""
#: Only the buckets a board can still show: all time, and the current day, week and month on.
_CURRENT = (
    "(period = '' OR (period LIKE 'D%' AND period >= :day) "
    "OR (period LIKE 'W%' AND period >= :week) OR (period LIKE 'M%' AND period >= :month))"
)


def _from(current: CurrentBuckets | None) -> dict[str, str]:
    """The first local day each kind of bucket is recounted from ('' for every day)."""
    if current is None:
        return {"from_day": "", "from_week": "", "from_month": ""}
    return {
        "from_day": current.day[1:],
        "from_week": current.week[1:],
        "from_month": current.month[1:] + "-01",
    }


_OF_GUILD = "guild_id = :guild"


async def recount_recruiters(
    conn: Connection, guild_id: int | None = None
) -> dict[tuple[str, int, str, int], tuple[int, int]]:
    """Every recruiter counter computed from the signatures and logs (non-zero ones only)."""
    guild = "" if guild_id is None else "AND d.guild_id = :guild"
    rows = await conn.fetchall(_RECOUNT.format(guild=guild), {"guild": guild_id, **_from(None)})
    return {
        (r[0], int(r[1]), r[2], int(r[3])): (int(r[4]), int(r[5])) for r in rows if r[4] or r[5]
    }


async def stored_recruiters(
    conn: Connection, guild_id: int | None = None
) -> dict[tuple[str, int, str, int], tuple[int, int]]:
    """Every recruiter counter as the triggers keep it (non-zero ones only)."""
    where = "" if guild_id is None else f"AND ({_OF_GUILD})"
    rows = await conn.fetchall(
        "SELECT scope, scope_id, period, user_id, recruits, logged FROM recruiter_counts "
        f"WHERE (recruits != 0 OR logged != 0) {where}",
        {"guild": guild_id},
    )
    return {(r[0], int(r[1]), r[2], int(r[3])): (int(r[4]), int(r[5])) for r in rows}


async def rebuild_recruiters(conn: Connection, guild_id: int, current: CurrentBuckets) -> None:
    """Replace a server's recruiter counters with a recount (set-based). Of the period buckets
    only the current ones and later are written: past days, weeks and months no board shows."""
    await conn.execute("DELETE FROM recruiter_values WHERE guild_id = ?", (guild_id,))
    await conn.execute("DELETE FROM recruiter_counts WHERE guild_id = ?", (guild_id,))
    await conn.execute(
        "INSERT INTO recruiter_counts (scope, scope_id, period, user_id, recruits, logged, "
        "guild_id) " + _RECOUNT.format(guild="AND d.guild_id = :guild"),
        {"guild": guild_id, **_from(current)},
    )


async def prune_buckets(conn: Connection, oldest: CurrentBuckets) -> int:
    """Drop period buckets older than `oldest` (whatever the server's zone, none a board shows)."""
    keep = {"day": oldest.day, "week": oldest.week, "month": oldest.month}
    old = f"period != '' AND NOT {_CURRENT}"
    await conn.execute(f"DELETE FROM recruiter_values WHERE {old}", keep)
    return await conn.execute_rowcount(f"DELETE FROM recruiter_counts WHERE {old}", keep)


async def stored_values(conn: Connection) -> dict[tuple[str, int, str, int], int]:
    rows = await conn.fetchall(
        "SELECT scope, scope_id, period, value, n FROM recruiter_values WHERE n != 0"
    )
    return {(r[0], int(r[1]), r[2], int(r[3])): int(r[4]) for r in rows}


async def recount_values(conn: Connection) -> dict[tuple[str, int, str, int], int]:
    rows = await conn.fetchall(
        "SELECT scope, scope_id, period, recruits + logged, COUNT(*) FROM recruiter_counts "
        "WHERE recruits + logged > 0 GROUP BY 1, 2, 3, 4"
    )
    return {(r[0], int(r[1]), r[2], int(r[3])): int(r[4]) for r in rows}


# -- recruiter boards --------------------------------------------------------------------------
_NAMED = (
    "SELECT c.user_id, CASE WHEN s.show_name = 1 THEN s.public_name END, c.recruits, c.logged "
    "FROM ({inner}) AS c "
    "LEFT JOIN member_links m ON m.user_id = c.user_id "
    "LEFT JOIN signers s ON s.id = m.signer_id"
)


async def recruiter_page(
    conn: Connection, board: Board, *, offset: int, limit: int
) -> tuple[list[Standing], bool]:
    """Up to `limit` standings from `offset`, best first; and whether more follow."""
    # `recruits + logged` is the expression of the index, so SQLite walks it in order.
    inner = (
        "SELECT user_id, recruits, logged, recruits + logged AS v FROM recruiter_counts "
        "WHERE scope = :scope AND scope_id = :id AND period = :bucket AND recruits + logged > 0 "
        "ORDER BY recruits + logged DESC, user_id LIMIT :limit OFFSET :offset"
    )
    rows = await conn.fetchall(
        _NAMED.format(inner=inner) + " ORDER BY c.v DESC, c.user_id",
        {
            "scope": board.scope.value,
            "id": board.scope_id,
            "bucket": board.bucket,
            "limit": limit + 1,
            "offset": offset,
        },
    )
    more = len(rows) > limit
    rows = rows[:limit]
    if not rows:
        return [], False
    values = [int(r[2]) + int(r[3]) for r in rows]
    first_rank = await rank_of(conn, board, values[0]) if offset else 1
    ranks = competition_ranks(values, first_rank=first_rank, start=offset)
    standings = [
        Standing(rank, int(r[0]), r[1], int(r[2]), int(r[3]), v)
        for rank, r, v in zip(ranks, rows, values, strict=True)
    ]
    return standings, more


async def rank_of(conn: Connection, board: Board, value: int) -> int:
    """1 + how many recruiters of the board have more than `value` (ties share a rank)."""
    above = await conn.fetchval(
        "SELECT COALESCE(SUM(n), 0) FROM recruiter_values "
        "WHERE scope = ? AND scope_id = ? AND period = ? AND value > ?",
        (board.scope.value, board.scope_id, board.bucket, value),
    )
    return 1 + int(above)


async def own_standing(conn: Connection, board: Board, user_id: int) -> OwnStanding:
    row = await conn.fetchone(
        "SELECT recruits, logged FROM recruiter_counts "
        "WHERE scope = ? AND scope_id = ? AND period = ? AND user_id = ?",
        (board.scope.value, board.scope_id, board.bucket, user_id),
    )
    recruits, logged = (0, 0) if row is None else (int(row[0]), int(row[1]))
    value = recruits + logged
    if value <= 0:
        return OwnStanding(None, recruits, logged, value)
    return OwnStanding(await rank_of(conn, board, value), recruits, logged, value)


# -- teams and petitions -----------------------------------------------------------------------
async def team_totals(conn: Connection, drive_id: int, *, count_logged: bool) -> list[GroupTotal]:
    rows = await conn.fetchall(
        "SELECT id, name, members, recruits, logged FROM teams WHERE drive_id = ?", (drive_id,)
    )
    return [
        GroupTotal(
            int(r[0]),
            str(r[1]),
            int(r[2]),
            int(r[3]),
            int(r[4]),
            int(r[3]) + (int(r[4]) if count_logged else 0),
        )
        for r in rows
    ]


async def stored_teams(conn: Connection) -> dict[int, tuple[int, int, int]]:
    rows = await conn.fetchall("SELECT id, members, recruits, logged FROM teams")
    return {int(r[0]): (int(r[1]), int(r[2]), int(r[3])) for r in rows}


async def recount_teams(conn: Connection) -> dict[int, tuple[int, int, int]]:
    rows = await conn.fetchall(
        "SELECT t.id, COUNT(p.id), COALESCE(SUM(p.recruits), 0), COALESCE(SUM(p.logged), 0) "
        "FROM teams t LEFT JOIN drive_participants p ON p.team_id = t.id GROUP BY t.id"
    )
    return {int(r[0]): (int(r[1]), int(r[2]), int(r[3])) for r in rows}


async def petition_totals(
    conn: Connection, guild_id: int, since_hour: int
) -> list[tuple[int, str, str, int, int]]:
    """(id, code, title, total, signatures since `since_hour`) of the server's live petitions."""
    rows = await conn.fetchall(
        "SELECT p.id, p.code, p.title, p.signature_count + p.external_count, "
        "(SELECT COALESCE(SUM(h.count), 0) FROM petition_hours h "
        " WHERE h.petition_id = p.id AND h.hour >= ?) "
        "FROM petitions p WHERE p.guild_id = ? AND p.status != 'deleted'",
        (since_hour, guild_id),
    )
    return [(int(r[0]), str(r[1]), str(r[2]), int(r[3]), int(r[4])) for r in rows]


async def stored_hours(conn: Connection) -> dict[tuple[int, int], int]:
    rows = await conn.fetchall("SELECT petition_id, hour, count FROM petition_hours WHERE count")
    return {(int(r[0]), int(r[1])): int(r[2]) for r in rows}


async def recount_hours(conn: Connection) -> dict[tuple[int, int], int]:
    rows = await conn.fetchall(
        "SELECT petition_id, CAST(strftime('%s', signed_at) AS INTEGER) / 3600, COUNT(*) "
        "FROM signatures WHERE status = 'counted' GROUP BY 1, 2"
    )
    return {(int(r[0]), int(r[1])): int(r[2]) for r in rows}


async def prune_hours(conn: Connection, before_hour: int) -> int:
    """Drop hourly counts older than any window shows."""
    return await conn.execute_rowcount("DELETE FROM petition_hours WHERE hour < ?", (before_hour,))
