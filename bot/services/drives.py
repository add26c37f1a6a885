"""Drive use cases: start, join, teams, offline logs and their review, status, edit, end, and
the scheduled jobs (start, "24 hours left", end) that the scheduler fires.

Each call runs one transaction. Announcements are written to the outbox in the transaction
that caused them; `RunningDrives` (shared with the petition service) is updated after commit.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field
from datetime import datetime

from bot.db import Database, audit, petitions, signers
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
    DriveNotStarted,
    DriveOverlaps,
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
    LOG_CAP_DEFAULT,
    LOG_CAP_MAX,
    NAME_MAX,
    NOTE_MAX,
    TEAM_NAME_MAX,
    TEAMS_MAX,
    Drive,
    DriveStatus,
    JobKind,
    LogStatus,
    OfflineLog,
    Participant,
    Recruiter,
    Team,
    check_goal,
    check_log_count,
    check_window,
    clean_name,
    name_key,
    parse_when,
    referral_candidates,
    schedule,
    split_team_names,
)
from bot.domain.errors import CodeExhausted, InvalidInput, NotAnOrganizer, PetitionClosed
from bot.domain.petitions import Petition
from bot.i18n import N_, Lazy
from bot.services.drive_jobs import finish, fire_due_jobs
from bot.services.guilds import require_guild, require_organizer
from bot.services.lookups import find_petition
from bot.services.referrals import RunningDrives, queue_goal_percents

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


class DriveService:
    def __init__(
        self,
        db: Database,
        clock: Clock = utcnow,
        running: RunningDrives | None = None,
        *,
        rng: random.Random | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.running = running or RunningDrives()
        self.rng = rng

    # -- finding -----------------------------------------------------------------------------
    async def _find(self, conn: Connection, guild_id: int, name: str | None) -> Drive:
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

    async def _petition(self, conn: Connection, drive: Drive) -> Petition:
        petition = await petitions.by_id(conn, drive.petition_id)
        assert petition is not None
        return petition

    async def search(self, guild_id: int, text: str, limit: int = 25) -> list[Drive]:
        async with self.db.read() as conn:
            return await drives_db.search(conn, guild_id, text.strip()[:NAME_MAX], limit)

    async def of_guild(self, guild_id: int) -> list[Drive]:
        async with self.db.read() as conn:
            return await drives_db.of_guild(conn, guild_id)

    async def team_names(self, guild_id: int, drive_name: str | None, text: str) -> list[str]:
        async with self.db.read() as conn:
            try:
                drive = await self._find(conn, guild_id, drive_name)
            except (DriveNotFound, NoRunningDrive, SeveralDrives):
                return []
            names = [t.name for t in await drives_db.teams(conn, drive.id)]
        needle = name_key(text)
        return [n for n in names if needle in name_key(n)][:25]

    async def _report(self, conn: Connection, drive: Drive) -> DriveReport:
        return DriveReport(
            drive,
            await self._petition(conn, drive),
            await drives_db.teams(conn, drive.id),
            await drives_db.top_recruiters(conn, drive.id),
            await drives_db.participant_count(conn, drive.id),
            await drives_db.pending_log_count(conn, drive.id),
        )

    async def status(self, guild_id: int, name: str | None) -> DriveReport:
        async with self.db.read() as conn:
            return await self._report(conn, await self._find(conn, guild_id, name))

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
        cap = _check_cap(form.log_cap or LOG_CAP_DEFAULT)
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
            drive = await self._find(conn, settings.guild_id, drive_name)
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
                        code=(await self._petition(conn, drive)).code, name=other.name
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
            drive = await self._find(conn, settings.guild_id, drive_name)
        if drive.status is DriveStatus.ENDED:
            raise DriveEnded(name=drive.name)
        return drive

    async def end(self, actor: Actor, drive_name: str | None) -> tuple[Drive, list[int]]:
        """End a drive now (early): the end summary is queued at once; nothing else fires."""
        now = self.clock()
        async with self.db.transaction() as conn:
            settings = await require_organizer(conn, actor)
            drive = await self._find(conn, settings.guild_id, drive_name)
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

    # -- members -----------------------------------------------------------------------------
    async def join(self, actor: Actor, drive_name: str | None, team_name: str | None) -> JoinResult:
        now = self.clock()
        async with self.db.transaction() as conn:
            drive = await self._find(conn, require_guild(actor), drive_name)
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
                    conn, drive.id, actor.user_id, signer_id=signer_id,
                    team_id=team.id if team else None, now=now,
                )  # fmt: skip
                code = await self._new_code(conn, drive, participant_id, actor.display_name, now)
                new = True
            petition = await self._petition(conn, drive)
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
            drive = await self._find(conn, guild_id, drive_name)
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
            drive = await self._find(conn, require_guild(actor), drive_name)
            if drive.has_ended(now):
                raise DriveEnded(name=drive.name)
            me = await self._participant(conn, drive, actor.user_id)
            team = await self._team(conn, drive, team_name)
            await drives_db.set_team(conn, me.id, team.id)
        return team

    async def leave_team(self, actor: Actor, drive_name: str | None) -> Team:
        async with self.db.transaction() as conn:
            drive = await self._find(conn, require_guild(actor), drive_name)
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
            drive = await self._find(conn, require_guild(actor), drive_name)
            if not drive.has_started(now):
                raise DriveNotStarted(name=drive.name, date=drive.starts_at)
            if drive.has_ended(now):
                raise DriveEnded(name=drive.name)
            check_log_count(count, drive.log_cap)
            me = await self._participant(conn, drive, actor.user_id)
            status = LogStatus.PENDING if drive.requires_approval else LogStatus.APPROVED
            log_id = await drives_db.insert_log(
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
            entry = await drives_db.log_by_id(conn, log_id)
        assert entry is not None
        return LogResult(drive, entry, queued)

    # -- review ------------------------------------------------------------------------------
    async def review_queue(
        self, actor: Actor, drive_name: str | None
    ) -> tuple[Drive, list[OfflineLog]]:
        async with self.db.read() as conn:
            settings = await require_organizer(conn, actor)
            drive = await self._find(conn, settings.guild_id, drive_name)
            return drive, await drives_db.pending_logs(conn, drive.id)

    async def review(self, actor: Actor, log_id: int, *, approve: bool) -> ReviewResult:
        now = self.clock()
        async with self.db.transaction() as conn:
            settings = await require_organizer(conn, actor)
            entry = await drives_db.log_by_id(conn, log_id)
            drive = await drives_db.by_id(conn, entry.drive_id) if entry else None
            if entry is None or drive is None or drive.guild_id != settings.guild_id:
                raise LogNotFound()
            status = LogStatus.APPROVED if approve else LogStatus.REJECTED
            taken = await drives_db.review_log(
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
