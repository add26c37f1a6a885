"""Volunteers in a drive: joining (and getting a referral code), teams, offline logs and the
organizers' review of those logs. Each call runs one transaction."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime

from bot.db import Database, audit, offline_logs, signers
from bot.db import drives as drives_db
from bot.db.database import Connection
from bot.domain.actors import Actor
from bot.domain.clock import Clock, utcnow
from bot.domain.drive_errors import (
    DriveEnded,
    DriveNotFound,
    DriveNotStarted,
    LogNotFound,
    LogReviewed,
    NoRunningDrive,
    NotInTeam,
    NotJoined,
    SeveralDrives,
    TeamNameTaken,
    TeamNotFound,
    TooManyTeams,
)
from bot.domain.drives import (
    NOTE_MAX,
    TEAM_NAME_MAX,
    TEAMS_MAX,
    Drive,
    LogStatus,
    OfflineLog,
    Participant,
    Team,
    check_log_count,
    clean_name,
    name_key,
    referral_candidates,
)
from bot.domain.errors import CodeExhausted, NotAnOrganizer
from bot.domain.petitions import Petition
from bot.i18n import N_, Lazy
from bot.services.drives import drive_petition, find_drive
from bot.services.guilds import require_guild, require_organizer
from bot.services.referrals import queue_goal_percents


@dataclass(frozen=True, slots=True)
class JoinResult:
    drive: Drive
    petition: Petition
    code: str
    team: Team | None
    new: bool


@dataclass(frozen=True, slots=True)
class LogResult:
    drive: Drive
    log: OfflineLog
    announcements: list[int] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ReviewResult:
    drive: Drive
    log: OfflineLog
    approved: bool
    announcements: list[int] = field(default_factory=list)


class VolunteerService:
    def __init__(
        self, db: Database, clock: Clock = utcnow, *, rng: random.Random | None = None
    ) -> None:
        self.db = db
        self.clock = clock
        self.rng = rng

    async def team_names(self, guild_id: int, drive_name: str | None, text: str) -> list[str]:
        async with self.db.read() as conn:
            try:
                drive = await find_drive(conn, guild_id, drive_name)
            except (DriveNotFound, NoRunningDrive, SeveralDrives):
                return []
            names = [t.name for t in await drives_db.teams(conn, drive.id)]
        needle = name_key(text)
        return [n for n in names if needle in name_key(n)][:25]

    # -- members -----------------------------------------------------------------------------
    async def join(self, actor: Actor, drive_name: str | None, team_name: str | None) -> JoinResult:
        now = self.clock()
        async with self.db.transaction() as conn:
            drive = await find_drive(conn, require_guild(actor), drive_name)
            if drive.has_ended(now):
                raise DriveEnded(name=drive.name)
            team = await self._team(conn, drive, team_name) if team_name else None
            existing = await drives_db.participant(conn, drive.id, actor.user_id)
            if existing is not None and existing.code is not None:
                if team is not None and existing.team_id != team.id:
                    await drives_db.set_team(conn, existing.id, team.id)
                elif existing.team_id is not None:
                    team = await drives_db.team_by_id(conn, existing.team_id)
                code, new = existing.code, False
            else:
                signer_id = await signers.ensure_for_user(conn, actor.user_id, now)
                participant_id = await drives_db.insert_participant(
                    conn,
                    drive.id,
                    actor.user_id,
                    signer_id=signer_id,
                    team_id=team.id if team else None,
                    now=now,
                )
                code = await self._new_code(conn, drive, participant_id, actor.display_name, now)
                new = True
            petition = await drive_petition(conn, drive)
        return JoinResult(drive, petition, code, team, new)

    async def _new_code(
        self, conn: Connection, drive: Drive, participant_id: int, name: str, now: datetime
    ) -> str:
        for candidate in referral_candidates(name, self.rng):
            if await drives_db.insert_code(conn, drive.id, participant_id, candidate, now):
                return candidate
        raise CodeExhausted()

    async def _team(self, conn: Connection, drive: Drive, team_name: str) -> Team:
        team = await drives_db.team_by_key(conn, drive.id, name_key(team_name))
        if team is None:
            raise TeamNotFound(drive=drive.name, name=team_name.strip()[:TEAM_NAME_MAX])
        return team

    async def _participant(self, conn: Connection, drive: Drive, user_id: int) -> Participant:
        found = await drives_db.participant(conn, drive.id, user_id)
        if found is None:
            raise NotJoined(name=drive.name)
        return found

    async def create_team(self, actor: Actor, drive_name: str | None, team_name: str) -> Team:
        """Organizers create teams; a volunteer who has joined may create one and is moved
        into it."""
        now = self.clock()
        name = clean_name(team_name, TEAM_NAME_MAX)
        async with self.db.transaction() as conn:
            guild_id = require_guild(actor)
            drive = await find_drive(conn, guild_id, drive_name)
            if drive.has_ended(now):
                raise DriveEnded(name=drive.name)
            settings_guild = await self._is_organizer(conn, actor)
            me = await drives_db.participant(conn, drive.id, actor.user_id)
            if me is None and not settings_guild:
                raise NotJoined(name=drive.name)
            if await drives_db.team_count(conn, drive.id) >= TEAMS_MAX:
                raise TooManyTeams(limit=TEAMS_MAX)
            team_id = await drives_db.insert_team(conn, drive.id, name, name_key(name), now)
            if team_id is None:
                raise TeamNameTaken(name=name)
            if me is not None:
                await drives_db.set_team(conn, me.id, team_id)
        return Team(team_id, drive.id, name)

    async def _is_organizer(self, conn: Connection, actor: Actor) -> bool:
        try:
            await require_organizer(conn, actor)
        except NotAnOrganizer:
            return False
        return True

    async def join_team(self, actor: Actor, drive_name: str | None, team_name: str) -> Team:
        now = self.clock()
        async with self.db.transaction() as conn:
            drive = await find_drive(conn, require_guild(actor), drive_name)
            if drive.has_ended(now):
                raise DriveEnded(name=drive.name)
            me = await self._participant(conn, drive, actor.user_id)
            team = await self._team(conn, drive, team_name)
            await drives_db.set_team(conn, me.id, team.id)
        return team

    async def leave_team(self, actor: Actor, drive_name: str | None) -> Team:
        async with self.db.transaction() as conn:
            drive = await find_drive(conn, require_guild(actor), drive_name)
            me = await self._participant(conn, drive, actor.user_id)
            team = await drives_db.team_by_id(conn, me.team_id) if me.team_id else None
            if team is None:
                raise NotInTeam(name=drive.name)
            await drives_db.set_team(conn, me.id, None)
        return team

    async def log(
        self, actor: Actor, drive_name: str | None, count: int, note: str | None
    ) -> LogResult:
        """Signatures a volunteer gathered offline: pending review, or counted at once when the
        drive does not ask for approval."""
        now = self.clock()
        text = " ".join(note.split())[:NOTE_MAX] if note else None
        async with self.db.transaction() as conn:
            drive = await find_drive(conn, require_guild(actor), drive_name)
            if not drive.has_started(now):
                raise DriveNotStarted(name=drive.name, date=drive.starts_at)
            if drive.has_ended(now):
                raise DriveEnded(name=drive.name)
            check_log_count(count, drive.log_cap)
            me = await self._participant(conn, drive, actor.user_id)
            status = LogStatus.PENDING if drive.requires_approval else LogStatus.APPROVED
            log_id = await offline_logs.insert_log(
                conn,
                drive_id=drive.id,
                participant_id=me.id,
                count=count,
                note=text or None,
                status=status,
                now=now,
            )
            queued: list[int] = []
            if status is LogStatus.APPROVED:
                queued = await queue_goal_percents(
                    conn, drive, old_total=drive.total, new_total=drive.total + count, now=now
                )
            entry = await offline_logs.log_by_id(conn, log_id)
        assert entry is not None
        return LogResult(drive, entry, queued)

    # -- review ------------------------------------------------------------------------------
    async def review_queue(
        self, actor: Actor, drive_name: str | None
    ) -> tuple[Drive, list[OfflineLog]]:
        async with self.db.read() as conn:
            settings = await require_organizer(conn, actor)
            drive = await find_drive(conn, settings.guild_id, drive_name)
            return drive, await offline_logs.pending_logs(conn, drive.id)

    async def review(self, actor: Actor, log_id: int, *, approve: bool) -> ReviewResult:
        now = self.clock()
        async with self.db.transaction() as conn:
            settings = await require_organizer(conn, actor)
            entry = await offline_logs.log_by_id(conn, log_id)
            drive = await drives_db.by_id(conn, entry.drive_id) if entry else None
            if entry is None or drive is None or drive.guild_id != settings.guild_id:
                raise LogNotFound()
            status = LogStatus.APPROVED if approve else LogStatus.REJECTED
            taken = await offline_logs.review_log(
                conn, log_id, status, reviewer=actor.user_id, now=now
            )
            if not taken:
                raise LogReviewed(status=Lazy(STATUS_WORDS[entry.status]))
            queued: list[int] = []
            if approve:
                queued = await queue_goal_percents(
                    conn,
                    drive,
                    old_total=drive.total,
                    new_total=drive.total + entry.count,
                    now=now,
                )
            await audit.record(
                conn,
                guild_id=drive.guild_id,
                actor_id=actor.user_id,
                action=f"drive.log.{status.value}",
                subject=drive.name,
                now=now,
                details={"log": log_id, "count": entry.count},
            )
        return ReviewResult(drive, entry, approve, queued)


STATUS_WORDS: dict[LogStatus, str] = {
    LogStatus.PENDING: N_("pending"),
    LogStatus.APPROVED: N_("approved"),
    LogStatus.REJECTED: N_("rejected"),
}
