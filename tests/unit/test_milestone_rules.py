"""Which rungs a count crosses, and what gets announced."""

from __future__ import annotations

from itertools import islice

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.errors import InvalidInput
from bot.domain.milestones import crossings, default_ladder, parse_ladder, rungs_between
from bot.domain.petitions import GoalChange


def test_default_ladder() -> None:
    assert list(islice(default_ladder(), 20)) == [
        10, 25, 50, 100, 250, 500, 750, 1_000, 2_000, 3_000, 4_000, 5_000, 6_000, 7_000,
        8_000, 9_000, 10_000, 15_000, 20_000, 25_000,
    ]  # fmt: skip


def test_jump_announces_the_highest_by_default_or_each() -> None:
    highest = crossings(
        highest_announced=250, old_total=480, new_total=1_020, ladder=None,
        announce_each=False, goal_change=None,
    )  # fmt: skip
    assert [(c.kind, c.threshold) for c in highest] == [("milestone", 1_000)]
    each = crossings(
        highest_announced=250, old_total=480, new_total=1_020, ladder=None,
        announce_each=True, goal_change=None,
    )  # fmt: skip
    assert [c.threshold for c in each] == [500, 750, 1_000]


def test_no_rung_twice_after_a_drop_and_rise() -> None:
    again = crossings(
        highest_announced=100, old_total=99, new_total=100, ladder=None,
        announce_each=True, goal_change=None,
    )  # fmt: skip
    assert again == []


def test_goal_rides_on_the_rung_or_stands_alone() -> None:
    both = crossings(
        highest_announced=750, old_total=999, new_total=1_000, ladder=None,
        announce_each=False, goal_change=GoalChange(1_000, 2_500),
    )  # fmt: skip
    assert [(c.kind, c.threshold, c.new_goal) for c in both] == [("milestone", 1_000, 2_500)]
    alone = crossings(
        highest_announced=0, old_total=4, new_total=5, ladder=None,
        announce_each=False, goal_change=GoalChange(5, 10),
    )  # fmt: skip
    assert [(c.kind, c.threshold, c.new_goal) for c in alone] == [("goal", 5, 10)]


def test_custom_ladder() -> None:
    assert rungs_between(0, 30, (5, 20, 40)) == [5, 20]
    assert parse_ladder("100, 10; 1 000,10") == (10, 100, 1000)
    with pytest.raises(InvalidInput):
        parse_ladder("ten, 20")
    with pytest.raises(InvalidInput):
        parse_ladder(" , ")
    with pytest.raises(InvalidInput):
        parse_ladder("-5")


@given(st.lists(st.integers(min_value=-3, max_value=40), min_size=1, max_size=60))
def test_any_walk_announces_each_rung_at_most_once_in_ascending_order(steps: list[int]) -> None:
    total, highest, announced = 0, 0, []
    for step in steps:
        new_total = max(0, total + step)
        for c in crossings(
            highest_announced=highest, old_total=total, new_total=new_total, ladder=None,
            announce_each=True, goal_change=None,
        ):  # fmt: skip
            announced.append(c.threshold)
            highest = max(highest, c.threshold)
        total = new_total
    assert announced == sorted(set(announced))
    assert announced == [r for r in rungs_between(0, max(announced or [0]), None)]
