"""`/signers export`: the delivery list as sealed rows, and counts-only CSVs that need no key.

The bot cannot open what it sealed, so the delivery list leaves it sealed: a JSON file of base64
sealed cells that `python -m bot export --private-key FILE sealed.json` turns into a CSV on the
organizer's machine. Large lists are gzipped (the CLI reads both).
"""

from __future__ import annotations

import asyncio
import base64
import gzip
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.db import Database, audit, exports
from bot.db.exports import SealedRow
from bot.domain.actors import Actor
from bot.domain.clock import Clock, to_text, utcnow
from bot.domain.csv_rows import csv_text
from bot.domain.errors import InvalidInput
from bot.domain.petitions import Petition
from bot.i18n import N_
from bot.services.guilds import require_guild, require_organizer
from bot.services.lookups import find_petition

EXPORT_FORMAT = "rally-sealed-export"
EXPORT_VERSION = 1
GZIP_ABOVE = 8 * 1024 * 1024
COUNT_KINDS = ("day", "source", "team")


@dataclass(frozen=True, slots=True)
class ExportFile:
    petition: Petition
    file_name: str
    data: bytes
    rows: int
    without_details: int = 0


def _b64(value: bytes | None) -> str | None:
    return None if value is None else base64.b64encode(value).decode("ascii")


def encode_sealed(
    petition: Petition,
    rows: list[SealedRow],
    *,
    include_email: bool,
    without_details: int,
    generated_at: datetime,
) -> bytes:
    """The sealed delivery list as JSON; only sealed cells and dates, nothing readable."""
    columns = ["name", "postal_code", "signed_at"] + (["email"] if include_email else [])
    body: dict[str, Any] = {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "petition": petition.code,
        "generated_at": to_text(generated_at),
        "columns": columns,
        "signatures_without_details": without_details,
        "rows": [
            [_b64(r.name), _b64(r.postal_code), r.signed_at]
            + ([_b64(r.email)] if include_email else [])
            for r in rows
        ],
    }
    return json.dumps(body, separators=(",", ":")).encode("utf-8")


class ExportService:
    def __init__(self, db: Database, clock: Clock = utcnow) -> None:
        self.db = db
        self.clock = clock

    async def delivery_list(
        self, actor: Actor, raw_code: str, *, include_email: bool = False
    ) -> ExportFile:
        now = self.clock()
        async with self.db.read() as conn:
            await require_organizer(conn, actor)
            petition = await find_petition(conn, require_guild(actor), raw_code)
            rows = await exports.sealed_rows(conn, petition.id)
            counted = await exports.counted(conn, petition.id)
        data = await asyncio.to_thread(
            encode_sealed,
            petition,
            rows,
            include_email=include_email,
            without_details=counted - len(rows),
            generated_at=now,
        )
        name = f"rally-{petition.code}-delivery-sealed.json"
        if len(data) > GZIP_ABOVE:
            data = await asyncio.to_thread(gzip.compress, data)
            name += ".gz"
        async with self.db.transaction() as conn:
            await audit.record(
                conn,
                guild_id=petition.guild_id,
                actor_id=actor.user_id,
                action="signers.export",
                subject=petition.code,
                now=now,
                details={"rows": len(rows), "email": include_email},
            )
        return ExportFile(petition, name, data, len(rows), counted - len(rows))

    async def counts(self, actor: Actor, raw_code: str, by: str) -> ExportFile:
        """Counted signatures per day (UTC), per source or per team, as CSV; no key needed."""
        if by not in COUNT_KINDS:
            raise InvalidInput(N_("Counts can be exported per day, per source or per team."))
        now = self.clock()
        async with self.db.read() as conn:
            await require_organizer(conn, actor)
            petition = await find_petition(conn, require_guild(actor), raw_code)
            if by == "day":
                rows: list[tuple[str | None, int]] = list(await exports.per_day(conn, petition.id))
            elif by == "source":
                rows = list(await exports.per_source(conn, petition.id))
            else:
                rows = await exports.per_team(conn, petition.id)
        data = csv_text([by, "signatures"], ((k or "", n) for k, n in rows)).encode("utf-8")
        async with self.db.transaction() as conn:
            await audit.record(
                conn,
                guild_id=petition.guild_id,
                actor_id=actor.user_id,
                action="signers.export_counts",
                subject=petition.code,
                now=now,
                details={"by": by},
            )
        return ExportFile(petition, f"rally-{petition.code}-per-{by}.csv", data, len(rows))
