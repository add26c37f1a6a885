"""Finding what a member named: a petition by the code they typed."""

from __future__ import annotations

from bot.db import coalitions, petitions
from bot.db.database import Connection
from bot.domain.errors import PetitionNotFound
from bot.domain.petitions import Petition, normalize_code


async def find_petition(conn: Connection, guild_id: int, raw_code: str) -> Petition:
    """A petition of this server by its code as typed; `PetitionNotFound` otherwise."""
    code = normalize_code(raw_code)
    if code is None:
        raise PetitionNotFound(code=raw_code.strip()[:20] or "—")
    petition = await petitions.by_code(conn, guild_id, code)
    if petition is None:
        raise PetitionNotFound(code=code)
    return petition


async def find_visible_petition(
    conn: Connection, guild_id: int, raw_code: str, *, formerly: bool = False
) -> Petition:
    """A petition this server owns or follows (a coalition's), by its code as typed; for what
    members of a partner may do: show, sign, share. With `formerly`, also one it no longer
    follows: a member can always take back a signature given there. `PetitionNotFound`
    otherwise."""
    code = normalize_code(raw_code)
    if code is None:
        raise PetitionNotFound(code=raw_code.strip()[:20] or "—")
    petition = await petitions.by_code(conn, guild_id, code)
    if petition is None:
        petition = await coalitions.followed_by_code(conn, guild_id, code, formerly=formerly)
    if petition is None:
        raise PetitionNotFound(code=code)
    return petition
