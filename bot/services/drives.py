"""Drive use cases: start, join, teams, offline logs and their review, status, edit, end, and
the scheduled jobs (start, "24 hours left", end) that the scheduler fires.

Each call runs one transaction. Announcements are written to the outbox in the transaction
that caused them; `RunningDrives` (shared with the petition service) is updated after commit.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.db import Database, audit, offline_logs, petitions, signers
from bot.db import drive_jobs as jobs_db
from bot.db import drives as drives_db
from bot.db.database import Connection
from bot.domain.actors import Actor
from bot.domain.clock import Clock, utcnow
from bot.domain.drive_errors import (
    BadTeamName,
    DriveEnded,
    DriveNameTaken,
    DriveNotFound,
    DriveOverlaps,
    NoRunningDrive,
    SeveralDrives,
    TooManyTeams,
)
from bot.domain.drives import (
    LOG_CAP_DEFAULT,
    LOG_CAP_MAX,
    NAME_MAX,
    TEAMS_MAX,
    Drive,
    DriveStatus,
    JobKind,
    Recruiter,
    Team,
    check_goal,
    check_window,
    clean_name,
    name_key,
    parse_when,
    schedule,
    split_team_names,
)
from bot.domain.errors import InvalidInput, PetitionClosed
from bot.domain.petitions import Petition
from bot.i18n import N_
from bot.services.drive_jobs import finish, fire_due_jobs
from bot.services.guilds import require_organizer
from bot.services.lookups import find_petition
from bot.services.referrals import RunningDrives

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DriveForm:
    """What an organizer typed into /drive start."""

    name: str
    petition_code: str
    goal: int
    end: str
    channel_id: int
    start: str | None = None
    teams: str | None = None
    requires_approval: bool = False
    log_cap: int | None = None


@dataclass(frozen=True, slots=True)
class DriveChanges:
    """What an organizer changes with /drive edit; None leaves a field as it is."""

    name: str | None = None
    goal: int | None = None
    start: str | None = None
    end: str | None = None
    channel_id: int | None = None
    requires_approval: bool | None = None
    log_cap: int | None = None


@dataclass(frozen=True, slots=True)
class DriveReport:
    """Everything the status message shows."""

    drive: Drive
    petition: Petition
    teams: list[Team]
    top: list[Recruiter]
    participants: int
    pending_logs: int


def _clean_drive_name(text: str) -> str:
    try:
        return clean_name(text, NAME_MAX)
    except BadTeamName:
        raise InvalidInput(
            N_("A drive's name needs 1 to {limit} characters."), limit=NAME_MAX
        ) from None


def _check_cap(cap: int) -> int:
    if not 1 <= cap <= LOG_CAP_MAX:
        raise InvalidInput(N_("The log cap must be from 1 to {limit}."), limit=LOG_CAP_MAX)
    return cap


async def drive_petition(conn: Connection, drive: Drive) -> Petition:
    petition = await petitions.by_id(conn, drive.petition_id)
    assert petition is not None
    return petition


async def find_drive(conn: Connection, guild_id: int, name: str | None) -> Drive:
    """A drive by name; without a name, the server's one drive that has not ended."""
    if name is not None and name.strip():
        drive = await drives_db.by_name(conn, guild_id, name)
        if drive is None:
            raise DriveNotFound(name=name.strip()[:NAME_MAX])
        return drive
    current = await drives_db.not_ended(conn, guild_id)
    if not current:
        raise NoRunningDrive()
    if len(current) > 1:
        raise SeveralDrives()
    return current[0]


class DriveService:
    def __init__(
        self,
        db: Database,
        clock: Clock = utcnow,
        running: RunningDrives | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.running = running or RunningDrives()

    # -- finding -----------------------------------------------------------------------------
    async def search(self, guild_id: int, text: str, limit: int = 25) -> list[Drive]:
        async with self.db.read() as conn:
            return await drives_db.search(conn, guild_id, text.strip()[:NAME_MAX], limit)

    async def of_guild(self, guild_id: int) -> list[Drive]:
        async with self.db.read() as conn:
            return await drives_db.of_guild(conn, guild_id)

    async def _report(self, conn: Connection, drive: Drive) -> DriveReport:
        return DriveReport(
            drive,
            await drive_petition(conn, drive),
            await drives_db.teams(conn, drive.id),
            await drives_db.top_recruiters(conn, drive.id),
            await drives_db.participant_count(conn, drive.id),
            await offline_logs.pending_log_count(conn, drive.id),
        )

    async def status(self, guild_id: int, name: str | None) -> DriveReport:
        async with self.db.read() as conn:
            return await self._report(conn, await find_drive(conn, guild_id, name))

    async def report(self, drive_id: int) -> DriveReport | None:
        async with self.db.read() as conn:
            drive = await drives_db.by_id(conn, drive_id)
            return None if drive is None else await self._report(conn, drive)

    def running_drive(self, petition_id: int) -> int | None:
        return self.running.running_cached(petition_id, self.clock())

    async def set_status_message(self, drive_id: int, message_id: int | None) -> None:
        async with self.db.transaction() as conn:
            await drives_db.set_status_message(conn, drive_id, message_id)

    async def recruiter_name(self, user_id: int) -> str | None:
        """The name a recruiter chose to show publicly; None means "thank them by DM"."""
        async with self.db.read() as conn:
            return await signers.public_name_for_user(conn, user_id)

    # -- organizers --------------------------------------------------------------------------
    async def start(self, actor: Actor, form: DriveForm) -> Drive:
        now = self.clock()
        name = _clean_drive_name(form.name)
        goal = check_goal(form.goal)
        cap = _check_cap(LOG_CAP_DEFAULT if form.log_cap is None else form.log_cap)
        team_names = split_team_names(form.teams)
        if len(team_names) > TEAMS_MAX:
            raise TooManyTeams(limit=TEAMS_MAX)
        async with self.db.transaction() as conn:
            settings = await require_organizer(conn, actor)
            zone = settings.timezone
            start = parse_when(form.start or "now", now=now, zone=zone)
            end = parse_when(form.end, now=now, zone=zone)
            check_window(start, end, now=now, zone=zone)
            petition = await find_petition(conn, settings.guild_id, form.petition_code)
            if not petition.is_open:
                raise PetitionClosed(title=petition.title)
            if await drives_db.name_taken(conn, settings.guild_id, name, besides=0):
                raise DriveNameTaken(name=name)
            other = await drives_db.overlapping(conn, petition.id, start, end)
            if other is not None:
                raise DriveOverlaps(code=petition.code, name=other.name)
            drive_id = await drives_db.insert(
                conn,
                guild_id=settings.guild_id,
                petition_id=petition.id,
                name=name,
                goal=goal,
                starts_at=start,
                ends_at=end,
                channel_id=form.channel_id,
                requires_approval=form.requires_approval,
                log_cap=cap,
                created_by=actor.user_id,
                now=now,
            )
            if drive_id is None:
                raise DriveNameTaken(name=name)
            for team in team_names:
                await drives_db.insert_team(conn, drive_id, team, name_key(team), now)
            await jobs_db.add(conn, drive_id, schedule(start, end))
            await audit.record(
                conn,
                guild_id=settings.guild_id,
                actor_id=actor.user_id,
                action="drive.start",
                subject=name,
                now=now,
                details={"petition": petition.code, "goal": goal},
            )
            drive = await drives_db.by_id(conn, drive_id)
        assert drive is not None
        self.running.put(drive)
        log.info("drive %s created in guild %s", drive.id, drive.guild_id)
        return drive

    async def edit(self, actor: Actor, drive_name: str | None, changes: DriveChanges) -> Drive:
        now = self.clock()
        async with self.db.transaction() as conn:
            settings = await require_organizer(conn, actor)
            zone = settings.timezone
            drive = await find_drive(conn, settings.guild_id, drive_name)
            if drive.status is DriveStatus.ENDED:
                raise DriveEnded(name=drive.name)
            update: dict[str, object] = {}
            if changes.name is not None:
                name = _clean_drive_name(changes.name)
                if await drives_db.name_taken(conn, drive.guild_id, name, besides=drive.id):
                    raise DriveNameTaken(name=name)
                update["name"] = name
            if changes.goal is not None:
                update["goal"] = check_goal(changes.goal)
            if changes.channel_id is not None:
                update["channel_id"] = changes.channel_id
            if changes.requires_approval is not None:
                update["requires_approval"] = int(changes.requires_approval)
            if changes.log_cap is not None:
                update["log_cap"] = _check_cap(changes.log_cap)
            start, end = drive.starts_at, drive.ends_at
            if changes.start is not None:
                if drive.has_started(now):
                    raise InvalidInput(N_("The drive has started: its start cannot move now."))
                start = parse_when(changes.start, now=now, zone=zone)
            if changes.end is not None:
                end = parse_when(changes.end, now=now, zone=zone)
            if (start, end) != (drive.starts_at, drive.ends_at):
                check_window(start, end, now=now, zone=zone, new=changes.start is not None)
                other = await drives_db.overlapping(
                    conn, drive.petition_id, start, end, besides=drive.id
                )
                if other is not None:
                    raise DriveOverlaps(
                        code=(await drive_petition(conn, drive)).code, name=other.name
                    )
                update["starts_at"], update["ends_at"] = start, end
                await jobs_db.reschedule(conn, drive.id, schedule(start, end))
            if not update:
                raise InvalidInput(N_("Nothing to change: give at least one new value."))
            await drives_db.update(conn, drive.id, update)
            await audit.record(
                conn,
                guild_id=drive.guild_id,
                actor_id=actor.user_id,
                action="drive.edit",
                subject=drive.name,
                now=now,
                details={"changed": sorted(update)},
            )
            updated = await drives_db.by_id(conn, drive.id)
        assert updated is not None
        self.running.put(updated)
        return updated

    async def to_end(self, actor: Actor, drive_name: str | None) -> Drive:
        """The drive an organizer asks to end (before they confirm): refused if it has ended."""
        async with self.db.read() as conn:
            settings = await require_organizer(conn, actor)
            drive = await find_drive(conn, settings.guild_id, drive_name)
        if drive.status is DriveStatus.ENDED:
            raise DriveEnded(name=drive.name)
        return drive

    async def end(self, actor: Actor, drive_name: str | None) -> tuple[Drive, list[int]]:
        """End a drive now (early): the end summary is queued at once; nothing else fires."""
        now = self.clock()
        async with self.db.transaction() as conn:
            settings = await require_organizer(conn, actor)
            drive = await find_drive(conn, settings.guild_id, drive_name)
            if drive.status is DriveStatus.ENDED:
                raise DriveEnded(name=drive.name)
            queued = await finish(conn, drive, now=now, early=True, late=False)
            await audit.record(
                conn,
                guild_id=drive.guild_id,
                actor_id=actor.user_id,
                action="drive.end",
                subject=drive.name,
                now=now,
            )
            ended = await drives_db.by_id(conn, drive.id)
        assert ended is not None
        self.running.remove(drive.id)
        return ended, queued

    async def fire_due(self) -> list[tuple[int, JobKind, bool, list[int]]]:
        """Fire every job that is due: (drive id, kind, late, outbox ids) for each."""
        now = self.clock()
        async with self.db.transaction() as conn:
            fired = await fire_due_jobs(conn, now)
        for drive_id, kind, _, _ in fired:
            if kind is JobKind.END:
                self.running.remove(drive_id)
        return fired
