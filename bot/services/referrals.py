"""Drives inside the signing transaction: which drive a signature counts for, whose code it
carries, and what that crossing announces.

A surge signs a thousand times a second, so the common case must cost nothing: which petitions
have a drive, and when, is held in memory (`RunningDrives`, loaded once from the database and
kept current by the drive service — this process is the database's only writer). A signature
without a code on a petition with no running drive makes no query here at all.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.db import announcements
from bot.db import drives as drives_db
from bot.db.database import Connection
from bot.db.drives import ReferralMatch
from bot.domain.drive_errors import (
    ReferralElsewhere,
    ReferralEnded,
    ReferralNotFound,
    ReferralNotStarted,
    SelfReferral,
)
from bot.domain.drives import (
    Drive,
    DriveWindow,
    normalize_referral,
    percents_crossed,
    recruit_rungs_crossed,
)
from bot.domain.petitions import Petition


class RunningDrives:
    """When each drive that has not ended counts signatures, by petition.

    Used from the event loop and from bodies that `Database.run_transaction` runs on the
    database thread, so every read and change of the cache happens under a thread lock (held
    only for in-memory work, never across an await)."""

    def __init__(self) -> None:
        self._by_petition: dict[int, list[DriveWindow]] | None = None
        self._guard = threading.Lock()

    async def load(self, conn: Connection) -> None:
        if self._by_petition is None:
            windows: dict[int, list[DriveWindow]] = {}
            for window in await drives_db.open_windows(conn):
                windows.setdefault(window.petition_id, []).append(window)
            with self._guard:
                if self._by_petition is None:
                    self._by_petition = windows

    async def running(
        self, conn: Connection, petition_id: int, now: datetime
    ) -> DriveWindow | None:
        """The drive counting this petition's signatures now, if any."""
        if self._by_petition is None:
            await self.load(conn)
        for window in self._windows(petition_id):
            if window.contains(now):
                return window
        return None

    def _windows(self, petition_id: int) -> list[DriveWindow]:
        with self._guard:
            return list((self._by_petition or {}).get(petition_id, ()))

    def running_cached(self, petition_id: int, now: datetime) -> int | None:
        """The running drive's id without touching the database (None if not loaded yet)."""
        for window in self._windows(petition_id):
            if window.contains(now):
                return window.drive_id
        return None

    def put(self, drive: Drive) -> None:
        """Call after a drive was created or changed (committed)."""
        with self._guard:
            if self._by_petition is None:
                return
            self._remove(drive.id)
            if drive.ended_at is None and drive.status.value != "ended":
                self._by_petition.setdefault(drive.petition_id, []).append(drive.window())

    def reset(self) -> None:
        """Forget everything; the next signature reloads from the database."""
        with self._guard:
            self._by_petition = None

    def remove(self, drive_id: int) -> None:
        with self._guard:
            self._remove(drive_id)

    def _remove(self, drive_id: int) -> None:
        if self._by_petition is None:
            return
        for windows in self._by_petition.values():
            windows[:] = [w for w in windows if w.drive_id != drive_id]


@dataclass(frozen=True, slots=True)
class DriveNews:
    """What a signature did for its drive, for the member's confirmation and the bot."""

    drive_id: int
    drive_name: str
    own_code: str | None
    recruiter_id: int | None
    announcements: list[int] = field(default_factory=list)


def parse_referral(raw: str | None) -> str | None:
    """The code a member typed, normalized; None for no code; an error for a malformed one."""
    if raw is None or not raw.strip():
        return None
    code = normalize_referral(raw)
    if code is None:
        raise ReferralNotFound(code=raw.strip()[:20])
    return code


async def resolve(
    conn: Connection, petition: Petition, user_id: int, code: str, now: datetime
) -> ReferralMatch:
    """The participant whose code this is, for a signature on `petition` now.

    Errors (nothing is written): no such code; a code of another petition's drive; of a drive
    that has ended or not started; the member's own code.
    """
    matches = await drives_db.referrals(conn, petition.guild_id, code)
    if not matches:
        raise ReferralNotFound(code=code)
    here = [m for m in matches if m.drive.petition_id == petition.id]
    if not here:
        raise ReferralElsewhere(code=code)
    chosen = next((m for m in here if m.drive.is_running(now)), None)
    if chosen is None:
        drive = here[0].drive
        if not drive.has_started(now):
            raise ReferralNotStarted(code=code, name=drive.name, date=drive.starts_at)
        raise ReferralEnded(code=code, name=drive.name)
    if chosen.user_id == user_id:
        raise SelfReferral()
    return chosen


async def queue(
    conn: Connection,
    *,
    guild_id: int,
    petition_id: int,
    drive_id: int,
    drive_name: str,
    channel_id: int,
    kind: str,
    key: str,
    threshold: int | None,
    payload: dict[str, Any],
    now: datetime,
) -> int | None:
    """Put a drive announcement in the outbox (once per drive and key)."""
    return await announcements.add(
        conn,
        guild_id=guild_id,
        petition_id=petition_id,
        kind=kind,
        threshold=threshold,
        dedupe_key=f"drive:{drive_id}:{key}",
        channel_id=channel_id,
        payload={"drive_id": drive_id, "drive": drive_name, **payload},
        now=now,
    )


async def queue_goal_percents(
    conn: Connection, drive: Drive, *, old_total: int, new_total: int, now: datetime
) -> list[int]:
    queued = []
    for pct in percents_crossed(old_total, new_total, drive.goal):
        new_id = await queue(
            conn,
            guild_id=drive.guild_id,
            petition_id=drive.petition_id,
            drive_id=drive.id,
            drive_name=drive.name,
            channel_id=drive.channel_id,
            kind="drive_goal",
            key=f"goal:{pct}",
            threshold=pct,
            payload={"total": new_total, "goal": drive.goal},
            now=now,
        )
        if new_id is not None:
            queued.append(new_id)
    return queued


async def after_signing(
    conn: Connection,
    petition: Petition,
    window: DriveWindow,
    referred: ReferralMatch | None,
    *,
    user_id: int,
    now: datetime,
) -> DriveNews:
    """Announce what this signature reached — a share of the drive's goal, a recruiter's 1st,
    5th, 10th … recruit — and find the signer's own code: one query."""
    progress = await drives_db.progress_after_signing(
        conn,
        window.drive_id,
        recruiter_id=referred.participant_id if referred else None,
        user_id=user_id,
    )
    common: dict[str, Any] = {
        "guild_id": petition.guild_id,
        "petition_id": petition.id,
        "drive_id": window.drive_id,
        "drive_name": progress.name,
        "channel_id": progress.channel_id,
        "now": now,
    }
    queued = []
    for pct in percents_crossed(progress.total - 1, progress.total, progress.goal):
        new_id = await queue(
            conn,
            kind="drive_goal",
            key=f"goal:{pct}",
            threshold=pct,
            payload={"total": progress.total, "goal": progress.goal},
            **common,
        )
        if new_id is not None:
            queued.append(new_id)
    if referred is not None:
        for rung in recruit_rungs_crossed(progress.recruits - 1, progress.recruits):
            new_id = await queue(
                conn,
                kind="recruit",
                key=f"recruiter:{referred.participant_id}:{rung}",
                threshold=rung,
                payload={"user_id": referred.user_id},
                **common,
            )
            if new_id is not None:
                queued.append(new_id)
    return DriveNews(
        window.drive_id,
        progress.name,
        progress.own_code,
        referred.user_id if referred else None,
        queued,
    )
