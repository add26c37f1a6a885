"""Leaderboard rules without a database: ranks with ties, period buckets at the server's midnight,
zone offsets that agree with the IANA data, small teams folded, petitions ranked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.leaderboards import (
    GroupTotal,
    Period,
    PetitionOrder,
    bucket_key,
    competition_ranks,
    fold_small_groups,
    period_start,
    prunable_before,
    rank_petitions,
    zone_offsets,
)


def test_ties_share_a_rank_and_the_next_rank_skips() -> None:
    assert competition_ranks([9, 7, 7, 3, 3, 3, 1]) == [1, 2, 2, 4, 4, 4, 7]
    assert competition_ranks([]) == []
    # A second page whose first entry ties with the last of the first page (ranked 8 there).
    assert competition_ranks([2, 2, 1], first_rank=8, start=10) == [8, 8, 13]


@given(st.lists(st.integers(0, 20), max_size=40))
def test_a_rank_is_one_more_than_those_above(values: list[int]) -> None:
    ordered = sorted(values, reverse=True)
    ranks = competition_ranks(ordered)
    assert ranks == [1 + sum(other > value for other in ordered) for value in ordered]


def test_buckets_turn_at_midnight_in_the_servers_zone_not_utc() -> None:
    zone = "Europe/Vilnius"  # UTC+2 in winter, UTC+3 in summer
    before = datetime(2026, 11, 23, 21, 59, 59, tzinfo=UTC)
    after = before + timedelta(seconds=1)
    assert bucket_key(Period.TODAY, before, zone) == "D2026-11-23"
    assert bucket_key(Period.TODAY, after, zone) == "D2026-11-24"
    assert bucket_key(Period.TODAY, after, "UTC") == "D2026-11-23"
    summer = datetime(2026, 7, 1, 20, 59, tzinfo=UTC)
    assert bucket_key(Period.TODAY, summer, zone) == "D2026-07-01"
    assert bucket_key(Period.TODAY, summer + timedelta(minutes=1), zone) == "D2026-07-02"
    # Weeks start on Monday; months on the first, both at local midnight.
    sunday_night = datetime(2026, 11, 29, 21, 59, tzinfo=UTC)  # Sunday 23:59 in Vilnius
    assert bucket_key(Period.WEEK, sunday_night, zone) == "W2026-11-23"
    assert bucket_key(Period.WEEK, sunday_night + timedelta(minutes=1), zone) == "W2026-11-30"
    new_month = datetime(2026, 11, 30, 22, 0, tzinfo=UTC)
    assert bucket_key(Period.MONTH, new_month, zone) == "M2026-12"
    assert bucket_key(Period.MONTH, new_month, "America/New_York") == "M2026-11"
    assert bucket_key(Period.ALL, new_month, zone) == ""
    assert period_start(Period.TODAY, after, zone) == after
    assert period_start(Period.MONTH, after, zone) == datetime(2026, 10, 31, 22, tzinfo=UTC)
    assert period_start(Period.ALL, after, zone) is None


def test_prunable_buckets_are_past_everywhere() -> None:
    now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    oldest = prunable_before(now)
    for zone in ("Pacific/Kiritimati", "Etc/GMT+12", "UTC", "Asia/Kathmandu"):
        assert bucket_key(Period.TODAY, now, zone) >= oldest.day
        assert bucket_key(Period.WEEK, now, zone) >= oldest.week
        assert bucket_key(Period.MONTH, now, zone) >= oldest.month


ZONES = ["Europe/Vilnius", "America/New_York", "Asia/Kathmandu", "Australia/Lord_Howe", "UTC"]


@settings(max_examples=200)
@given(
    zone=st.sampled_from(ZONES),
    moment=st.datetimes(
        min_value=datetime(1990, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC)
    ),
)
def test_zone_offsets_agree_with_the_iana_data(zone: str, moment: datetime) -> None:
    """The offsets the triggers use give every moment the same local day as `zoneinfo`."""
    offsets = zone_offsets(zone)
    minutes = next(m for since, m in reversed(offsets) if since <= moment)
    assert (moment + timedelta(minutes=minutes)).date() == moment.astimezone(ZoneInfo(zone)).date()


def team(name: str, members: int, value: int) -> GroupTotal:
    return GroupTotal(hash(name) % 1000, name, members, value, 0, value)


def test_small_teams_are_folded_into_other() -> None:
    groups = [team("North", 5, 10), team("South", 3, 10), team("Tiny", 1, 50), team("Duo", 2, 4)]
    ranked = fold_small_groups(groups, 3)
    assert [(r.rank, r.group.name, r.group.members, r.group.value) for r in ranked] == [
        (1, "North", 5, 10),
        (1, "South", 3, 10),
        (None, None, 3, 54),
    ]
    assert [r.group.name for r in fold_small_groups(groups, 1)] == ["Tiny", "North", "South", "Duo"]
    assert [r.rank for r in fold_small_groups([team("A", 1, 1)], 3)] == [None]


def test_petitions_rank_by_total_or_momentum() -> None:
    rows = [
        (1, "AAAAAA", "One", 100, 2),
        (2, "BBBBBB", "Two", 40, 9),
        (3, "CCCCCC", "Three", 40, 9),
    ]
    by_total = rank_petitions(rows, PetitionOrder.TOTAL)
    assert [(s.rank, s.title) for s in by_total] == [(1, "One"), (2, "Two"), (2, "Three")]
    by_momentum = rank_petitions(rows, PetitionOrder.MOMENTUM)
    assert [(s.rank, s.title) for s in by_momentum] == [(1, "Two"), (1, "Three"), (3, "One")]
