"""Posted leaderboards repository: which board is posted where, its message, when it is due."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from bot.db.database import Connection
from bot.domain.clock import to_text
from bot.domain.leaderboards import Scope


@dataclass(frozen=True, slots=True)
class Post:
    id: int
    guild_id: int
    channel_id: int
    message_id: int | None
    board: str
    scope: Scope
    scope_id: int | None
    period: str
    every_minutes: int
    next_at: str


_POST = (
    "id, guild_id, channel_id, message_id, board, scope, scope_id, period, every_minutes, next_at"
)


def _post(r: sqlite3.Row) -> Post:
    return Post(
        int(r[0]),
        int(r[1]),
        int(r[2]),
        None if r[3] is None else int(r[3]),
        str(r[4]),
        Scope(str(r[5])),
        None if r[6] is None else int(r[6]),
        str(r[7]),
        int(r[8]),
        str(r[9]),
    )


async def insert_post(
    conn: Connection,
    *,
    guild_id: int,
    channel_id: int,
    board: str,
    scope: Scope,
    scope_id: int | None,
    period: str,
    every_minutes: int,
    created_by: int,
    now: datetime,
) -> int:
    return await conn.execute(
        "INSERT INTO leaderboard_posts (guild_id, channel_id, board, scope, scope_id, period, "
        "every_minutes, next_at, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            guild_id,
            channel_id,
            board,
            scope.value,
            scope_id,
            period,
            every_minutes,
            to_text(now),
            created_by,
            to_text(now),
        ),
    )


async def due_posts(conn: Connection, now: datetime) -> list[Post]:
    rows = await conn.fetchall(
        f"SELECT {_POST} FROM leaderboard_posts WHERE next_at <= ? ORDER BY next_at, id",
        (to_text(now),),
    )
    return [_post(r) for r in rows]


async def post_by_id(conn: Connection, post_id: int) -> Post | None:
    row = await conn.fetchone(f"SELECT {_POST} FROM leaderboard_posts WHERE id = ?", (post_id,))
    return None if row is None else _post(row)


async def posted(conn: Connection, post_id: int, message_id: int, next_at: datetime) -> None:
    await conn.execute(
        "UPDATE leaderboard_posts SET message_id = ?, next_at = ? WHERE id = ?",
        (message_id, to_text(next_at), post_id),
    )


async def delete_post(conn: Connection, post_id: int) -> None:
    await conn.execute("DELETE FROM leaderboard_posts WHERE id = ?", (post_id,))
