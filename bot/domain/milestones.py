"""Milestones: the default ladder, which rungs a count crosses, and what an announcement says."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import count

from bot.domain.errors import InvalidInput
from bot.domain.petitions import GOAL_MAX, GoalChange
from bot.i18n import N_

LADDER_MAX_RUNGS = 50


def default_ladder() -> Iterator[int]:
    """10, 25, 50, 100, 250, 500, 750, 1,000, then every 1,000 to 10,000, then every 5,000."""
    yield from (10, 25, 50, 100, 250, 500, 750, 1_000)
    yield from range(2_000, 10_001, 1_000)
    yield from (n for n in count(15_000, 5_000))


def rungs_between(low: int, high: int, ladder: tuple[int, ...] | None) -> list[int]:
    """Rungs r with low < r <= high, ascending."""
    if high <= low:
        return []
    if ladder is not None:
        return [r for r in ladder if low < r <= high]
    found = []
    for rung in default_ladder():
        if rung > high:
            break
        if rung > low:
            found.append(rung)
    return found


def parse_ladder(text: str) -> tuple[int, ...]:
    """ "10, 25, 1 000" → (10, 25, 1000): ascending, distinct, positive, at most 50 rungs."""
    parts = [p for p in text.replace(";", ",").split(",") if p.strip()]
    rungs: list[int] = []
    for part in parts:
        digits = "".join(part.split()).replace("\u00a0", "").replace("_", "")
        if not digits.isdigit() or not 1 <= int(digits) <= GOAL_MAX:
            raise InvalidInput(
                N_("“{part}” is not a rung: use whole numbers and commas, like 10, 25, 50."),
                part=part.strip()[:20],
            )
        rungs.append(int(digits))
    if not rungs or len(rungs) > LADDER_MAX_RUNGS:
        raise InvalidInput(N_("A ladder needs 1 to {limit} rungs."), limit=LADDER_MAX_RUNGS)
    return tuple(sorted(set(rungs)))


def format_ladder(rungs: Iterable[int]) -> str:
    return ",".join(str(r) for r in rungs)


@dataclass(frozen=True, slots=True)
class Crossing:
    """One announcement to make: a rung reached (kind 'milestone') or a goal reached ('goal')."""

    kind: str
    threshold: int
    total: int
    new_goal: int | None

    @property
    def dedupe_key(self) -> str:
        return f"{self.kind}:{self.threshold}"


def crossings(
    *,
    highest_announced: int,
    old_total: int,
    new_total: int,
    ladder: tuple[int, ...] | None,
    announce_each: bool,
    goal_change: GoalChange | None,
) -> list[Crossing]:
    """What to announce when a count moves from `old_total` to `new_total`.

    Only rungs above every rung already announced count, so a count that drops and rises again
    never announces a rung twice, and announcements stay in ascending order. A jump over several
    rungs announces the highest (or each, when the server asked for that). A goal reached rides
    on the highest rung's announcement, or gets its own when no rung was crossed.
    """
    rungs = rungs_between(max(old_total, highest_announced), new_total, ladder)
    if not announce_each:
        rungs = rungs[-1:]
    new_goal = goal_change.to_goal if goal_change else None
    found = [
        Crossing("milestone", r, new_total, new_goal if r == rungs[-1] else None) for r in rungs
    ]
    if goal_change is not None and not found:
        found.append(Crossing("goal", goal_change.from_goal, new_total, goal_change.to_goal))
    return found
