"""Leaderboard rules: ranks with ties, periods in the server's time zone, small groups folded.

Plain Python: no discord, no I/O besides reading the IANA zone data through `zoneinfo`.

- Ranks are "competition" ranks: equal counts share a rank and the next rank skips (1, 2, 2, 4).
- A period (today, this week, this month) starts at midnight in the server's time zone; weeks
  start on Monday. Counters are kept per period *bucket*; `bucket_key` names the bucket a moment
  falls in, in the same form the database triggers write ('D2026-11-24', 'W2026-11-23',
  'M2026-11', '' for all time).
- The triggers find a moment's local day from the zone's UTC offsets, with the instant each
  starts (`zone_offsets`), so daylight-saving changes and imported old signatures fall on the
  right day.
- Groups (teams) with fewer members than the server's minimum are folded into one "other" row,
  so a board of small teams cannot single anyone out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from functools import cache
from zoneinfo import ZoneInfo

PAGE_SIZE = 10
MIN_GROUP_DEFAULT = 3
MIN_GROUP_MAX = 50
#: The range of years whose offset changes are written for a server (later ones keep the last).
ZONE_YEARS = (1970, 2100)
MOMENTUM_HOURS = 24


class Period(StrEnum):
    TODAY = "today"
    WEEK = "week"
    MONTH = "month"
    ALL = "all"


class Scope(StrEnum):
    GUILD = "g"
    PETITION = "p"
    DRIVE = "d"


class PetitionOrder(StrEnum):
    TOTAL = "total"
    MOMENTUM = "momentum"


# -- ranks -------------------------------------------------------------------------------------
def competition_ranks(values: Sequence[int], *, first_rank: int = 1, start: int = 0) -> list[int]:
    """Ranks of `values` (sorted best first) with ties sharing a rank: 1, 2, 2, 4.

    For a page that does not begin the board, `start` is the index of its first entry on the
    whole board and `first_rank` that entry's rank (it may tie with entries on earlier pages).
    """
    ranks: list[int] = []
    for index, value in enumerate(values):
        if index == 0:
            ranks.append(first_rank)
        elif value == values[index - 1]:
            ranks.append(ranks[-1])
        else:
            ranks.append(start + index + 1)
    return ranks


# -- periods -----------------------------------------------------------------------------------
def local_day(moment: datetime, zone: str) -> date:
    return moment.astimezone(ZoneInfo(zone)).date()


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def bucket_key(period: Period, moment: datetime, zone: str) -> str:
    """The counter bucket of `period` that `moment` falls in, in the server's zone."""
    if period is Period.ALL:
        return ""
    day = local_day(moment, zone)
    if period is Period.TODAY:
        return f"D{day.isoformat()}"
    if period is Period.WEEK:
        return f"W{week_start(day).isoformat()}"
    return f"M{day.isoformat()[:7]}"


@dataclass(frozen=True, slots=True)
class CurrentBuckets:
    """The bucket keys of a day, its week and its month ('D…', 'W…', 'M…')."""

    day: str
    week: str
    month: str


def current_buckets(now: datetime, zone: str) -> CurrentBuckets:
    return CurrentBuckets(
        bucket_key(Period.TODAY, now, zone),
        bucket_key(Period.WEEK, now, zone),
        bucket_key(Period.MONTH, now, zone),
    )


def prunable_before(now: datetime) -> CurrentBuckets:
    """Buckets older than these are past in every time zone (UTC−12 to UTC+14), so no board
    anywhere shows them."""
    return current_buckets(now - timedelta(days=1), "Etc/GMT+12")


def period_start(period: Period, now: datetime, zone: str) -> datetime | None:
    """When the current `period` began (local midnight, as an aware UTC moment); None for all."""
    if period is Period.ALL:
        return None
    day = local_day(now, zone)
    if period is Period.WEEK:
        day = week_start(day)
    elif period is Period.MONTH:
        day = day.replace(day=1)
    return datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def _offset_minutes(moment: datetime, zone: ZoneInfo) -> int:
    offset = moment.astimezone(zone).utcoffset()
    assert offset is not None
    return int(offset.total_seconds() // 60)


@cache
def zone_offsets(zone: str) -> tuple[tuple[datetime, int], ...]:
    """(from when, UTC offset in minutes) for `zone`, oldest first; the first row starts at the
    beginning of `ZONE_YEARS`. Found day by day, then to the minute, so it needs no private API."""
    tz = ZoneInfo(zone)
    moment = datetime(ZONE_YEARS[0], 1, 1, tzinfo=UTC)
    end = datetime(ZONE_YEARS[1], 1, 1, tzinfo=UTC)
    current = _offset_minutes(moment, tz)
    found = [(moment, current)]
    step = timedelta(days=1)
    while moment < end:
        following = moment + step
        offset = _offset_minutes(following, tz)
        if offset != current:
            low, high = moment, following  # offset(low) == current, offset(high) != current
            while high - low > timedelta(minutes=1):
                middle = low + (high - low) / 2
                middle = middle.replace(second=0, microsecond=0)
                if middle <= low:
                    break
                if _offset_minutes(middle, tz) == current:
                    low = middle
                else:
                    high = middle
            current = _offset_minutes(high, tz)
            found.append((high, current))
        moment = following
    return tuple(found)


def momentum_since(now: datetime) -> int:
    """The first UTC hour (unix time / 3600) of the last-24-hours window: the current hour and
    the 23 before it."""
    return int(now.timestamp()) // 3600 - (MOMENTUM_HOURS - 1)


# -- boards ------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Standing:
    """One row of a recruiter board: named only when the member chose to show their name."""

    rank: int
    user_id: int
    public_name: str | None
    recruits: int
    logged: int
    value: int


@dataclass(frozen=True, slots=True)
class OwnStanding:
    rank: int | None  # None: nothing counted yet in this board
    recruits: int
    logged: int
    value: int


@dataclass(frozen=True, slots=True)
class GroupTotal:
    """A team on the board, or the folded "other" row (`team_id` None)."""

    team_id: int | None
    name: str | None
    members: int
    recruits: int
    logged: int
    value: int


@dataclass(frozen=True, slots=True)
class RankedGroup:
    rank: int | None  # None for "other": it is not a team and has no place
    group: GroupTotal


def fold_small_groups(groups: Sequence[GroupTotal], minimum: int) -> list[RankedGroup]:
    """Teams of at least `minimum` members ranked by value (ties share a rank), then one
    "other" row adding up every smaller team (when there is one)."""
    kept = sorted(
        (g for g in groups if g.members >= minimum),
        key=lambda g: (-g.value, (g.name or "").casefold()),
    )
    small = [g for g in groups if g.members < minimum]
    ranks = competition_ranks([g.value for g in kept])
    ranked = [RankedGroup(rank, group) for rank, group in zip(ranks, kept, strict=True)]
    if small:
        ranked.append(
            RankedGroup(
                None,
                GroupTotal(
                    None,
                    None,
                    sum(g.members for g in small),
                    sum(g.recruits for g in small),
                    sum(g.logged for g in small),
                    sum(g.value for g in small),
                ),
            )
        )
    return ranked


@dataclass(frozen=True, slots=True)
class PetitionStanding:
    rank: int
    petition_id: int
    code: str
    title: str
    total: int
    recent: int

    def value(self, order: PetitionOrder) -> int:
        return self.total if order is PetitionOrder.TOTAL else self.recent


def rank_petitions(
    rows: Sequence[tuple[int, str, str, int, int]], order: PetitionOrder
) -> list[PetitionStanding]:
    """(id, code, title, total, last 24 hours) rows ranked by `order`, ties sharing a rank."""

    def value(row: tuple[int, str, str, int, int]) -> int:
        return row[3] if order is PetitionOrder.TOTAL else row[4]

    ordered = sorted(rows, key=lambda r: (-value(r), -r[3], r[0]))
    ranks = competition_ranks([value(r) for r in ordered])
    return [
        PetitionStanding(rank, r[0], r[1], r[2], r[3], r[4])
        for rank, r in zip(ranks, ordered, strict=True)
    ]
