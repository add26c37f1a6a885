"""Signers repository: a person's record, the Discord member linked to it, merging and forgetting.

Personal fields are stored only sealed (`sealed_*`, opened nowhere in the bot) or as keyed hashes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.db import petitions
from bot.db.database import Connection
from bot.domain.clock import from_text, to_text

SEALED_FIELDS = ("sealed_name", "sealed_postal_code", "sealed_email", "sealed_phone")


@dataclass(frozen=True, slots=True)
class SignerRecord:
    """What Rally holds about a person; for sealed fields, only whether they are there."""

    id: int
    source: str
    has_name: bool
    has_postal_code: bool
    has_email: bool
    has_phone: bool
    has_email_hash: bool
    has_name_postal_hash: bool
    show_name: bool
    public_name: str | None
    language: str | None
    merged_into: int | None
    created_at: datetime
    forgotten_at: datetime | None


@dataclass(frozen=True, slots=True)
class SealedDetails:
    name: bytes | None
    postal_code: bytes | None
    email: bytes | None
    phone: bytes | None


@dataclass(frozen=True, slots=True)
class SignedPetition:
    code: str
    title: str
    status: str
    source: str
    signer_number: int
    signed_at: datetime


@dataclass(frozen=True, slots=True)
class ReferralCode:
    code: str
    drive: str
    recruits: int


@dataclass(frozen=True, slots=True)
class Forgotten:
    signatures: int
    referral_codes: int


async def for_user(conn: Connection, user_id: int) -> int | None:
    value = await conn.fetchval("SELECT signer_id FROM member_links WHERE user_id = ?", (user_id,))
    return None if value is None else int(value)


async def user_of(conn: Connection, signer_id: int) -> int | None:
    value = await conn.fetchval(
        "SELECT user_id FROM member_links WHERE signer_id = ?", (signer_id,)
    )
    return None if value is None else int(value)


async def linked_at(conn: Connection, user_id: int) -> datetime | None:
    value = await conn.fetchval("SELECT linked_at FROM member_links WHERE user_id = ?", (user_id,))
    return None if value is None else from_text(str(value))


async def ensure_for_user(conn: Connection, user_id: int, now: datetime) -> int:
    """The signer linked to a Discord user, created (with nothing personal) on first use."""
    existing = await for_user(conn, user_id)
    if existing is not None:
        return existing
    stamp = to_text(now)
    signer_id = await conn.execute(
        "INSERT INTO signers (source, created_at) VALUES ('discord', ?)", (stamp,)
    )
    await link(conn, user_id, signer_id, now)
    return signer_id


async def link(conn: Connection, user_id: int, signer_id: int, now: datetime) -> None:
    """Point `user_id` at `signer_id` (replacing any earlier link of that user)."""
    await conn.execute(
        "INSERT INTO member_links (user_id, signer_id, linked_at) VALUES (?, ?, ?) "
        "ON CONFLICT (user_id) DO UPDATE SET signer_id = excluded.signer_id, "
        "linked_at = excluded.linked_at",
        (user_id, signer_id, to_text(now)),
    )


async def languages_for_users(conn: Connection, user_ids: Sequence[int]) -> dict[int, str]:
    """user id → the language chosen, for those of `user_ids` who chose one."""
    marks = ", ".join("?" * len(user_ids))
    rows = await conn.fetchall(
        "SELECT m.user_id, s.language FROM member_links m JOIN signers s ON s.id = m.signer_id "
        f"WHERE m.user_id IN ({marks}) AND s.language IS NOT NULL",
        list(user_ids),
    )
    return {int(r[0]): str(r[1]) for r in rows}


async def public_name_for_user(conn: Connection, user_id: int) -> str | None:
    """The name a member chose to show publicly, or None ("a member")."""
    value = await conn.fetchval(
        "SELECT s.public_name FROM member_links m JOIN signers s ON s.id = m.signer_id "
        "WHERE m.user_id = ? AND s.show_name = 1",
        (user_id,),
    )
    return None if value is None else str(value)


async def get(conn: Connection, signer_id: int) -> SignerRecord | None:
    row = await conn.fetchone(
        "SELECT id, source, sealed_name IS NOT NULL, sealed_postal_code IS NOT NULL, "
        "sealed_email IS NOT NULL, sealed_phone IS NOT NULL, email_hash IS NOT NULL, "
        "name_postal_hash IS NOT NULL, show_name, public_name, language, merged_into, "
        "created_at, forgotten_at FROM signers WHERE id = ?",
        (signer_id,),
    )
    if row is None:
        return None
    return SignerRecord(
        id=row[0],
        source=row[1],
        has_name=bool(row[2]),
        has_postal_code=bool(row[3]),
        has_email=bool(row[4]),
        has_phone=bool(row[5]),
        has_email_hash=bool(row[6]),
        has_name_postal_hash=bool(row[7]),
        show_name=bool(row[8]),
        public_name=row[9],
        language=row[10],
        merged_into=row[11],
        created_at=from_text(row[12]),
        forgotten_at=from_text(row[13]) if row[13] else None,
    )


async def by_email_hash(conn: Connection, email_hash: str) -> int | None:
    value = await conn.fetchval(
        "SELECT id FROM signers WHERE email_hash = ? AND merged_into IS NULL", (email_hash,)
    )
    return None if value is None else int(value)


async def set_details(
    conn: Connection,
    signer_id: int,
    sealed: SealedDetails,
    *,
    email_hash: str | None,
    name_postal_hash: str | None,
) -> bool:
    """Replace the sealed fields and hashes. The email hash is kept only when no other record has
    it (that record may be claimed with `/me link`); returns whether it was kept."""
    keep_email_hash = email_hash is not None and (
        await conn.fetchval(
            "SELECT 1 FROM signers WHERE email_hash = ? AND merged_into IS NULL AND id != ?",
            (email_hash, signer_id),
        )
        is None
    )
    await conn.execute(
        "UPDATE signers SET sealed_name = ?, sealed_postal_code = ?, sealed_email = ?, "
        "sealed_phone = ?, email_hash = ?, name_postal_hash = ? WHERE id = ?",
        (
            sealed.name,
            sealed.postal_code,
            sealed.email,
            sealed.phone,
            email_hash if keep_email_hash else None,
            name_postal_hash,
            signer_id,
        ),
    )
    return keep_email_hash


async def add_email(
    conn: Connection, signer_id: int, email_hash: str, sealed_email: bytes | None
) -> None:
    """Remember a proven email on a record that has none (no other record has it)."""
    await conn.execute(
        "UPDATE signers SET email_hash = ?, sealed_email = COALESCE(sealed_email, ?) "
        "WHERE id = ? AND email_hash IS NULL",
        (email_hash, sealed_email, signer_id),
    )


async def set_language(conn: Connection, signer_id: int, language: str | None) -> None:
    await conn.execute("UPDATE signers SET language = ? WHERE id = ?", (language, signer_id))


async def set_privacy(
    conn: Connection, signer_id: int, *, show_name: bool, public_name: str | None
) -> None:
    await conn.execute(
        "UPDATE signers SET show_name = ?, public_name = ? WHERE id = ?",
        (int(show_name), public_name if show_name else None, signer_id),
    )


async def collects_details(conn: Connection, petition_id: int) -> bool:
    value = await conn.fetchval(
        "SELECT collect_details FROM petitions WHERE id = ?", (petition_id,)
    )
    return bool(value)


async def set_collects_details(conn: Connection, petition_id: int, on: bool) -> None:
    await conn.execute(
        "UPDATE petitions SET collect_details = ? WHERE id = ?", (int(on), petition_id)
    )


async def signed_petitions(conn: Connection, signer_id: int) -> list[SignedPetition]:
    rows = await conn.fetchall(
        "SELECT p.code, p.title, g.status, g.source, g.signer_number, g.signed_at "
        "FROM signatures g JOIN petitions p ON p.id = g.petition_id "
        "WHERE g.signer_id = ? AND p.status != 'deleted' ORDER BY g.signed_at, g.id",
        (signer_id,),
    )
    return [SignedPetition(r[0], r[1], r[2], r[3], r[4], from_text(r[5])) for r in rows]


async def referral_codes(conn: Connection, user_id: int) -> list[ReferralCode]:
    rows = await conn.fetchall(
        "SELECT rc.code, d.name, (SELECT COUNT(*) FROM signatures g "
        "WHERE g.referral_code_id = rc.id AND g.status = 'counted') "
        "FROM referral_codes rc JOIN drive_participants p ON p.id = rc.participant_id "
        "JOIN drives d ON d.id = rc.drive_id WHERE p.user_id = ? ORDER BY rc.id",
        (user_id,),
    )
    return [ReferralCode(r[0], r[1], int(r[2])) for r in rows]


# -- merging -----------------------------------------------------------------------------------
def _keep_rank(status: str, signed_at: str, signature_id: int) -> tuple[int, datetime, int]:
    """Which of two signatures of one person on one petition stays: counted, then earlier."""
    return (0 if status == "counted" else 1, from_text(signed_at), signature_id)


async def merge(conn: Connection, loser: int, survivor: int) -> list[int]:
    """Fold record `loser` into `survivor`; return the petitions whose count went down.

    Where both signed one petition, the earlier (counted) signature stays and the other is
    deleted with the counter — nobody counts twice. Referral participation follows the person.
    The loser keeps no personal data and points at the survivor (`merged_into`).
    """
    lowered: list[int] = []
    pairs = await conn.fetchall(
        "SELECT a.petition_id, a.id, a.status, a.signed_at, b.id, b.status, b.signed_at "
        "FROM signatures a JOIN signatures b ON b.petition_id = a.petition_id "
        "WHERE a.signer_id = ? AND b.signer_id = ?",
        (loser, survivor),
    )
    for petition_id, l_id, l_status, l_at, s_id, s_status, s_at in pairs:
        keep_loser = _keep_rank(l_status, l_at, l_id) < _keep_rank(s_status, s_at, s_id)
        drop_id, drop_status = (s_id, s_status) if keep_loser else (l_id, l_status)
        await conn.execute("DELETE FROM signatures WHERE id = ?", (drop_id,))
        if drop_status == "counted":
            await petitions.add_signatures(conn, petition_id, -1)
            lowered.append(int(petition_id))
    await conn.execute("UPDATE signatures SET signer_id = ? WHERE signer_id = ?", (survivor, loser))
    await conn.execute(
        "UPDATE drive_participants SET signer_id = ? WHERE signer_id = ?", (survivor, loser)
    )
    row = await conn.fetchone(
        "SELECT sealed_name, sealed_postal_code, sealed_email, sealed_phone, email_hash, "
        "name_postal_hash, show_name, public_name, language FROM signers WHERE id = ?",
        (loser,),
    )
    assert row is not None
    await conn.execute(
        "UPDATE signers SET merged_into = ?, sealed_name = NULL, sealed_postal_code = NULL, "
        "sealed_email = NULL, sealed_phone = NULL, email_hash = NULL, name_postal_hash = NULL, "
        "show_name = 0, public_name = NULL, language = NULL WHERE id = ?",
        (survivor, loser),
    )
    await conn.execute(
        "UPDATE signers SET sealed_name = COALESCE(sealed_name, ?), "
        "sealed_postal_code = COALESCE(sealed_postal_code, ?), "
        "sealed_email = COALESCE(sealed_email, ?), sealed_phone = COALESCE(sealed_phone, ?), "
        "email_hash = COALESCE(email_hash, ?), name_postal_hash = COALESCE(name_postal_hash, ?), "
        "show_name = ?, public_name = ?, language = COALESCE(?, language) WHERE id = ?",
        (*tuple(row), survivor),
    )
    await conn.execute(
        "UPDATE signers SET merged_into = ? WHERE merged_into = ?", (survivor, loser)
    )
    await conn.execute(
        "UPDATE member_links SET signer_id = ? WHERE signer_id = ?", (survivor, loser)
    )
    return lowered


# -- forgetting --------------------------------------------------------------------------------
async def forget(conn: Connection, user_id: int, signer_id: int | None, now: datetime) -> Forgotten:
    """Erase a member's personal data from every table; counts stay as they were.

    Signatures stay counted but lose their signer; the record keeps no field; the Discord link,
    pending codes and claims go. Referral codes are renamed to a random token (the code people
    knew, often made from a name, is gone; recruits stay credited, so drive and team totals stay
    right) and the drive participation stays under an anonymous negative id. Reward roles granted
    to the member are forgotten (the role itself stays in Discord). The member's id is cleared
    wherever Rally recorded it as an actor or author.
    """
    anonymized = 0
    if signer_id is not None:
        anonymized = await conn.execute_rowcount(
            "UPDATE signatures SET signer_id = NULL WHERE signer_id = ?", (signer_id,)
        )
        await conn.execute("DELETE FROM signers WHERE merged_into = ?", (signer_id,))
        await conn.execute(
            "UPDATE signers SET sealed_name = NULL, sealed_postal_code = NULL, "
            "sealed_email = NULL, sealed_phone = NULL, email_hash = NULL, "
            "name_postal_hash = NULL, show_name = 0, public_name = NULL, language = NULL, "
            "source = 'forgotten', forgotten_at = ? WHERE id = ?",
            (to_text(now), signer_id),
        )
    mine = "SELECT id FROM drive_participants WHERE user_id = ? OR signer_id = ?"
    codes = await conn.execute_rowcount(
        "UPDATE referral_codes SET code = 'forgotten:' || lower(hex(randomblob(8))) "
        f"WHERE participant_id IN ({mine})",
        (user_id, signer_id),
    )
    await conn.execute(
        "UPDATE drive_participants SET user_id = -id, signer_id = NULL "
        "WHERE user_id = ? OR signer_id = ?",
        (user_id, signer_id),
    )
    for table in ("reward_grants", "reward_checks"):
        if await conn.fetchval(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
        ):
            await conn.execute(f"DELETE FROM {table} WHERE user_id = ?", (user_id,))
    for sql in (
        "DELETE FROM member_links WHERE user_id = ?",
        "DELETE FROM link_codes WHERE user_id = ?",
        "DELETE FROM link_claims WHERE user_id = ?",
        "UPDATE link_claims SET reviewed_by = NULL WHERE reviewed_by = ?",
        "UPDATE audit_log SET actor_id = NULL WHERE actor_id = ?",
        "UPDATE petitions SET author_id = 0, author_name = '—' WHERE author_id = ?",
        "UPDATE drives SET created_by = 0 WHERE created_by = ?",
        "UPDATE offline_logs SET reviewed_by = NULL WHERE reviewed_by = ?",
        "UPDATE imports SET created_by = NULL WHERE created_by = ?",
    ):
        await conn.execute(sql, (user_id,))
    return Forgotten(anonymized, codes)
