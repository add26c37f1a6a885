"""Signature drives: the model and its rules — times in the server's zone, referral codes,
progress, the schedule and what a volunteer may log."""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.domain.drive_errors import (
    BadGoal,
    BadLogCount,
    BadTeamName,
    BadTime,
    DriveTooLong,
    EndBeforeStart,
    EndInPast,
    StartInPast,
)

NAME_MAX = 80
TEAM_NAME_MAX = 40
TEAMS_MAX = 25
NOTE_MAX = 200
GOAL_MAX = 10_000_000
LOG_CAP_DEFAULT = 500
LOG_CAP_MAX = 100_000
#: The percentages of a drive's goal that are announced.
GOAL_PERCENTS = (25, 50, 75, 100)
#: A recruiter's recruits that are celebrated.
RECRUIT_RUNGS = (1, 5, 10, 25, 50, 100)
#: "24 hours left" is announced this long before the end (for drives longer than that).
LAST_DAY = timedelta(hours=24)
#: A job that fires this long after its due time (downtime) is marked late.
LATE_AFTER = timedelta(minutes=5)
#: A start this close to "now" is not "in the past" (the time it takes to type the command).
START_SLACK = timedelta(minutes=2)
#: The longest drive Rally schedules.
LONGEST = timedelta(days=366)

#: Referral codes: capitals and digits that cannot be mistaken for one another (no I, L, O;
#: no 0, 1), so a code read off a flyer is typed right.
REFERRAL_LETTERS = "ABCDEFGHJKMNPQRSTUVWXYZ"
REFERRAL_DIGITS = "23456789"
REFERRAL_NAME_MAX = 6
REFERRAL_FALLBACK = "ACE"
REFERRAL_PATTERN = re.compile(
    rf"^[{REFERRAL_LETTERS}]{{2,{REFERRAL_NAME_MAX}}}[{REFERRAL_DIGITS}]{{1,3}}$"
)


class DriveStatus(StrEnum):
    SCHEDULED = "scheduled"
    ACTIVE = "active"
    ENDED = "ended"


class JobKind(StrEnum):
    START = "start"
    LAST_DAY = "last_day"
    END = "end"


class LogStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class Drive:
    id: int
    guild_id: int
    petition_id: int
    name: str
    goal: int
    starts_at: datetime
    ends_at: datetime
    channel_id: int
    requires_approval: bool
    status: DriveStatus
    status_message_id: int | None
    created_by: int
    ended_at: datetime | None
    signature_count: int
    logged_count: int
    log_cap: int

    @property
    def total(self) -> int:
        """Progress towards the goal: signatures made during the drive plus approved logs."""
        return self.signature_count + self.logged_count

    @property
    def closes_at(self) -> datetime:
        """When the drive stops taking signatures: its end, or when it was ended early."""
        return self.ended_at if self.ended_at is not None else self.ends_at

    def has_started(self, now: datetime) -> bool:
        return now >= self.starts_at

    def has_ended(self, now: datetime) -> bool:
        return self.status is DriveStatus.ENDED or now >= self.closes_at

    def is_running(self, now: datetime) -> bool:
        return self.has_started(now) and not self.has_ended(now)

    def window(self) -> DriveWindow:
        return DriveWindow(self.id, self.petition_id, self.starts_at, self.closes_at)


@dataclass(frozen=True, slots=True)
class DriveWindow:
    """When a drive counts the signatures of its petition: all that a signature needs to know."""

    drive_id: int
    petition_id: int
    starts_at: datetime
    ends_at: datetime

    def contains(self, now: datetime) -> bool:
        return self.starts_at <= now < self.ends_at


@dataclass(frozen=True, slots=True)
class Team:
    id: int
    drive_id: int
    name: str
    members: int = 0
    recruits: int = 0
    logged: int = 0

    @property
    def total(self) -> int:
        return self.recruits + self.logged


@dataclass(frozen=True, slots=True)
class Participant:
    id: int
    drive_id: int
    user_id: int
    team_id: int | None
    code: str | None
    recruits: int
    logged: int


@dataclass(frozen=True, slots=True)
class Recruiter:
    """A volunteer in the standings: named only if they chose to show their name."""

    user_id: int
    public_name: str | None
    recruits: int
    logged: int

    @property
    def total(self) -> int:
        return self.recruits + self.logged


@dataclass(frozen=True, slots=True)
class OfflineLog:
    id: int
    drive_id: int
    participant_id: int
    user_id: int
    count: int
    note: str | None
    status: LogStatus
    created_at: datetime


@dataclass(frozen=True, slots=True)
class RewardRole:
    """A role a member earns when their counted recruits reach `recruits`."""

    recruits: int
    role_id: int


def earned_roles(recruits: int, rewards: Iterable[RewardRole]) -> set[int]:
    return {r.role_id for r in rewards if recruits >= r.recruits}


# -- time ------------------------------------------------------------------------------------
_RELATIVE = re.compile(
    r"^(?:in\s+)?(?P<n>\d{1,4})\s*(?P<unit>minutes?|mins?|m|hours?|hrs?|h|days?|d|weeks?|w)$"
)
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_ABSOLUTE = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H.%M", "%d.%m.%Y %H:%M")
_DATE_ONLY = ("%Y-%m-%d", "%d.%m.%Y")


def parse_when(text: str, *, now: datetime, zone: str) -> datetime:
    """A moment an organizer typed: "2026-12-01 18:00" in the server's time zone, a date
    (midnight there), "now", or relative to now: "in 3 days", "in 2 hours", "90 minutes"."""
    cleaned = " ".join(text.strip().lower().split())
    if cleaned in ("now", "right now"):
        return now.astimezone(UTC)
    match = _RELATIVE.match(cleaned)
    if match:
        unit = match["unit"]
        unit = "minutes" if unit.startswith("min") else _UNITS[unit[0]]
        amount = int(match["n"])
        if amount <= 0:
            raise BadTime(text=text.strip()[:40], zone=zone)
        return now.astimezone(UTC) + timedelta(**{unit: amount})
    tz = ZoneInfo(zone)
    for pattern in _ABSOLUTE + _DATE_ONLY:
        try:
            naive = datetime.strptime(cleaned.upper(), pattern)
        except ValueError:
            continue
        return naive.replace(tzinfo=tz).astimezone(UTC)
    raise BadTime(text=text.strip()[:40], zone=zone)


def local_text(moment: datetime, zone: str) -> str:
    """ "2026-12-01 18:00" in the server's time zone: how organizers typed it."""
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")


def check_window(
    start: datetime, end: datetime, *, now: datetime, zone: str, new: bool = True
) -> None:
    """A drive's start and end: the end after the start and not past; a new drive not starting
    in the past; at most a year long."""
    if new and start < now - START_SLACK:
        raise StartInPast(start=local_text(start, zone))
    if end <= start:
        raise EndBeforeStart(end=local_text(end, zone), start=local_text(start, zone))
    if end <= now:
        raise EndInPast(end=local_text(end, zone))
    if end - start > LONGEST:
        raise DriveTooLong(days=LONGEST.days)


def check_goal(goal: int) -> int:
    if not 1 <= goal <= GOAL_MAX:
        raise BadGoal(limit=GOAL_MAX)
    return goal


def check_log_count(count: int, cap: int) -> int:
    if not 1 <= count <= cap:
        raise BadLogCount(cap=cap)
    return count


def clean_name(text: str, limit: int) -> str:
    """Whitespace collapsed, invisible characters gone; empty or too long → BadTeamName."""
    visible = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cf", "Cc"))
    name = " ".join(visible.split())
    if not 1 <= len(name) <= limit:
        raise BadTeamName(limit=limit)
    return name


def name_key(name: str) -> str:
    """What makes two names the same: case, width and spacing do not."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def split_team_names(text: str | None) -> list[str]:
    """ "North campus, South campus" → two names (duplicates once, in order)."""
    if not text:
        return []
    seen: dict[str, str] = {}
    for part in text.replace(";", ",").split(","):
        if part.strip():
            name = clean_name(part, TEAM_NAME_MAX)
            seen.setdefault(name_key(name), name)
    return list(seen.values())


# -- schedule --------------------------------------------------------------------------------
def schedule(start: datetime, end: datetime) -> list[tuple[JobKind, datetime]]:
    """The due times of a drive: its start, 24 hours before its end (if it runs longer), its end."""
    jobs = [(JobKind.START, start)]
    if end - start > LAST_DAY:
        jobs.append((JobKind.LAST_DAY, end - LAST_DAY))
    jobs.append((JobKind.END, end))
    return jobs


def is_late(due_at: datetime, now: datetime) -> bool:
    return now - due_at > LATE_AFTER


# -- progress --------------------------------------------------------------------------------
def percent(total: int, goal: int) -> int:
    return 0 if goal <= 0 else (total * 100) // goal


def percents_crossed(old_total: int, new_total: int, goal: int) -> list[int]:
    """The announced percentages of `goal` that a change from old to new total reached."""
    return [p for p in GOAL_PERCENTS if old_total * 100 < p * goal <= new_total * 100]


def recruit_rungs_crossed(old: int, new: int) -> list[int]:
    return [r for r in RECRUIT_RUNGS if old < r <= new]


# -- referral codes --------------------------------------------------------------------------
def referral_stem(name: str) -> str:
    """The readable part of a code: the letters of a member's name that codes use."""
    decomposed = unicodedata.normalize("NFKD", name).upper()
    letters = "".join(ch for ch in decomposed if ch in REFERRAL_LETTERS)
    stem = letters[:REFERRAL_NAME_MAX]
    return stem if len(stem) >= 2 else REFERRAL_FALLBACK


def referral_candidates(name: str, rng: random.Random | None = None) -> Iterator[str]:
    """Codes to try for a member, most readable first: ANNA7, then ANNA + two or three digits."""
    draw = rng or random.SystemRandom()
    stem = referral_stem(name)
    singles = list(REFERRAL_DIGITS)
    draw.shuffle(singles)
    for digit in singles:
        yield stem + digit
    for width in (2, 3):
        for _ in range(20):
            yield stem + "".join(draw.choice(REFERRAL_DIGITS) for _ in range(width))


def normalize_referral(text: str) -> str | None:
    """A code as typed ("anna-7 ") → ANNA7; None when it cannot be a referral code."""
    code = "".join(ch for ch in text.upper() if ch.isalnum())
    return code if REFERRAL_PATTERN.match(code) else None
