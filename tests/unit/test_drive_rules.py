"""Drive rules: times in the server's zone, the window, referral codes, progress, the schedule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.drive_errors import (
    BadGoal,
    BadLogCount,
    BadTime,
    DriveTooLong,
    EndBeforeStart,
    EndInPast,
    StartInPast,
)
from bot.domain.drives import (
    GOAL_PERCENTS,
    REFERRAL_PATTERN,
    JobKind,
    RewardRole,
    check_goal,
    check_log_count,
    check_window,
    earned_roles,
    is_late,
    local_text,
    name_key,
    normalize_referral,
    parse_when,
    percents_crossed,
    recruit_rungs_crossed,
    referral_candidates,
    referral_stem,
    schedule,
    split_team_names,
)
from bot.i18n import localizer

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


# -- time ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "zone", "expected"),
    [
        ("2026-12-01 18:00", "UTC", datetime(2026, 12, 1, 18, 0, tzinfo=UTC)),
        ("2026-12-01 18:00", "Europe/Vilnius", datetime(2026, 12, 1, 16, 0, tzinfo=UTC)),
        ("2026-07-01 18:00", "Europe/Vilnius", datetime(2026, 7, 1, 15, 0, tzinfo=UTC)),
        ("2026-12-01T09:30", "America/New_York", datetime(2026, 12, 1, 14, 30, tzinfo=UTC)),
        ("01.12.2026 18:00", "UTC", datetime(2026, 12, 1, 18, 0, tzinfo=UTC)),
        ("2026-12-01", "Europe/Vilnius", datetime(2026, 11, 30, 22, 0, tzinfo=UTC)),
        ("in 3 days", "Europe/Vilnius", NOW + timedelta(days=3)),
        ("In 2 Hours", "UTC", NOW + timedelta(hours=2)),
        ("in 90 minutes", "UTC", NOW + timedelta(minutes=90)),
        ("in 1 week", "UTC", NOW + timedelta(weeks=1)),
        ("3d", "UTC", NOW + timedelta(days=3)),
        ("  now ", "UTC", NOW),
    ],
)
def test_parse_when(text: str, zone: str, expected: datetime) -> None:
    assert parse_when(text, now=NOW, zone=zone) == expected


@pytest.mark.parametrize("text", ["tomorrow-ish", "in 0 days", "2026-13-01 10:00", "", "in days"])
def test_parse_when_refuses_what_it_cannot_read(text: str) -> None:
    with pytest.raises(BadTime) as caught:
        parse_when(text, now=NOW, zone="Europe/Vilnius")
    shown = localizer("en").t(caught.value.template, **caught.value.params)
    assert "Europe/Vilnius" in shown and "2026-12-01 18:00" in shown


def test_window_rules() -> None:
    zone = "Europe/Vilnius"
    later = NOW + timedelta(days=3)
    check_window(NOW, later, now=NOW, zone=zone)
    check_window(NOW - timedelta(minutes=1), later, now=NOW, zone=zone)  # typing takes time
    with pytest.raises(StartInPast) as past:
        check_window(NOW - timedelta(hours=1), later, now=NOW, zone=zone)
    assert past.value.params == {"start": "2026-11-24 13:00"}  # shown in the server's zone
    with pytest.raises(EndBeforeStart):
        check_window(later, NOW + timedelta(days=1), now=NOW, zone=zone)
    with pytest.raises(EndBeforeStart):
        check_window(later, later, now=NOW, zone=zone)
    with pytest.raises(EndInPast):
        check_window(
            NOW - timedelta(days=2), NOW - timedelta(days=1), now=NOW, zone=zone, new=False
        )
    with pytest.raises(DriveTooLong):
        check_window(NOW, NOW + timedelta(days=400), now=NOW, zone=zone)
    assert local_text(NOW, "America/New_York") == "2026-11-24 07:00"


def test_goal_and_log_bounds() -> None:
    assert check_goal(1) == 1
    for bad in (0, -5, 10_000_001):
        with pytest.raises(BadGoal):
            check_goal(bad)
    assert check_log_count(500, 500) == 500
    for bad in (0, -3, 501):
        with pytest.raises(BadLogCount) as caught:
            check_log_count(bad, 500)
        assert caught.value.params == {"cap": 500}


# -- names and teams -------------------------------------------------------------------------
def test_team_names_are_the_same_whatever_the_case_and_spacing() -> None:
    assert (
        name_key("  North   Campus ") == name_key("north campus") == name_key("ＮＯＲＴＨ campus")
    )
    assert split_team_names("North, south; NORTH ,, South ") == ["North", "south"]
    assert split_team_names(None) == []


# -- referral codes --------------------------------------------------------------------------
def test_referral_codes_are_readable_from_the_name() -> None:
    assert referral_stem("Anna") == "ANNA"
    assert referral_stem("Ben") == "BEN"
    assert referral_stem("Zoë-Maria Weiß") == "ZEMARA"  # accents dropped, I/L/O never used
    assert referral_stem("Олег") == "ACE"  # no usable letters: a neutral stem
    first = list(referral_candidates("Anna"))[:8]
    assert sorted(first) == [f"ANNA{d}" for d in "23456789"]


@given(st.text(max_size=40))
def test_every_candidate_is_a_valid_unambiguous_code(name: str) -> None:
    candidates = list(referral_candidates(name))
    assert len(candidates) >= 8
    for code in candidates:
        assert REFERRAL_PATTERN.match(code), code
        assert not set(code) & set("01ILO"), code
        assert normalize_referral(code.lower()) == code


def test_normalize_referral() -> None:
    assert normalize_referral(" anna-7 ") == "ANNA7"
    assert normalize_referral("Ben 42") == "BEN42"
    for bad in ("", "7", "ANNA", "ANNA0", "ANNA1", "?!", "A" * 20 + "7"):
        assert normalize_referral(bad) is None, bad


# -- progress --------------------------------------------------------------------------------
def test_percents_crossed() -> None:
    assert percents_crossed(0, 1, 4) == [25]
    assert percents_crossed(2, 5, 4) == [75, 100]
    assert percents_crossed(5, 6, 4) == []
    assert percents_crossed(0, 1, 3) == [25]
    assert percents_crossed(1, 2, 3) == [50]


@given(st.integers(1, 500), st.lists(st.integers(1, 50), max_size=40))
def test_each_percent_is_crossed_once_on_the_way_up(goal: int, steps: list[int]) -> None:
    total, seen = 0, []
    for step in steps:
        seen += percents_crossed(total, total + step, goal)
        total += step
    assert seen == [p for p in GOAL_PERCENTS if p * goal <= total * 100]


def test_recruit_rungs() -> None:
    assert recruit_rungs_crossed(0, 1) == [1]
    assert recruit_rungs_crossed(4, 5) == [5]
    assert recruit_rungs_crossed(5, 6) == []
    assert recruit_rungs_crossed(0, 100) == [1, 5, 10, 25, 50, 100]


def test_schedule_and_lateness() -> None:
    end = NOW + timedelta(days=3)
    assert schedule(NOW, end) == [
        (JobKind.START, NOW),
        (JobKind.LAST_DAY, end - timedelta(hours=24)),
        (JobKind.END, end),
    ]
    short = NOW + timedelta(hours=20)
    assert [kind for kind, _ in schedule(NOW, short)] == [JobKind.START, JobKind.END]
    assert not is_late(NOW, NOW + timedelta(minutes=4))
    assert is_late(NOW, NOW + timedelta(hours=2))


def test_earned_roles() -> None:
    rewards = [RewardRole(10, 1), RewardRole(25, 2)]
    assert earned_roles(9, rewards) == set()
    assert earned_roles(10, rewards) == {1}
    assert earned_roles(30, rewards) == {1, 2}
