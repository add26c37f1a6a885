"""Pure petition rules: codes, the goal ladder, what organizers may type."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.errors import InvalidInput
from bot.domain.petitions import (
    CODE_ALPHABET,
    goal_after,
    ladder_rungs,
    new_code,
    next_rung,
    normalize_code,
    parse_draft,
)
from bot.i18n import localizer


def test_codes_are_six_unambiguous_capitals() -> None:
    codes = {new_code() for _ in range(2000)}
    assert len(codes) > 1990
    for code in codes:
        assert len(code) == 6 and set(code) <= set(CODE_ALPHABET)
        assert "O" not in code and "0" not in code


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("pmfzyi", "PMFZYI"), (" PmF zYi ", "PMFZYI"), ("PMFZY", None), ("PMFZY0", None), ("", None)],
)
def test_codes_are_case_insensitive(raw: str, expected: str | None) -> None:
    assert normalize_code(raw) == expected


def test_the_ladder_matches_the_campaign() -> None:
    assert ladder_rungs()[:18] == [
        5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000,
        100_000, 250_000, 500_000, 1_000_000, 2_500_000,
    ]  # fmt: skip
    assert next_rung(197) == 250
    assert next_rung(678) == 1_000
    assert next_rung(0) == 5


def test_goal_rises_when_reached_only() -> None:
    assert goal_after(999, 1_000) is None
    change = goal_after(1_000, 1_000)
    assert change is not None and (change.from_goal, change.to_goal) == (1_000, 2_500)
    jump = goal_after(1_020, 500)
    assert jump is not None and jump.to_goal == 2_500


@given(st.integers(min_value=0, max_value=50_000_000))
def test_next_rung_is_above_and_on_the_ladder(total: int) -> None:
    rung = next_rung(total)
    assert rung > total
    assert rung in ladder_rungs()
    assert all(r <= total or r >= rung for r in ladder_rungs())


def _problem(**fields: object) -> str:
    with pytest.raises(InvalidInput) as caught:
        parse_draft(**{"title": "T", "recipient": "R", "letter": "L", **fields})
    err = caught.value
    return localizer("en").t(err.template, **err.params)


def test_draft_rejects_empty_and_whitespace_and_invisible() -> None:
    assert _problem(title="") == "The title cannot be empty."
    assert _problem(title="   \t ") == "The title cannot be empty."
    assert _problem(recipient="\u200b\u200b") == "The recipient cannot be empty."
    assert _problem(letter="\n\n") == "The letter cannot be empty."


def test_draft_rejects_too_long_and_bad_link_and_goal() -> None:
    assert _problem(title="x" * 121) == "The title is too long: at most 120 characters."
    assert _problem(letter="x" * 4001) == "The letter is too long: at most 4,000 characters."
    assert "web address" in _problem(link="javascript:alert(1)")
    assert "goal must be a whole number" in _problem(goal="-3")
    assert "goal must be a whole number" in _problem(goal="lots")


def test_draft_keeps_markdown_and_mentions_as_text_but_drops_bidi_controls() -> None:
    draft = parse_draft(
        title="@everyone **Free** <@&123>\u202e",
        recipient="the President",
        letter="Dear\n\n\n\nall",
        goal="1,000",
        link=" https://example.org/p ",
    )
    assert draft.title == "@everyone **Free** <@&123>"
    assert draft.letter == "Dear\n\nall"
    assert draft.goal == 1000
    assert draft.link == "https://example.org/p"
