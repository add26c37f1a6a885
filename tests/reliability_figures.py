"""Figures the reliability tests measure, collected for `make reliability`'s summary table.

A test calls `record("name", faults=..., acknowledged=..., stored=...)` with what it counted.
Nothing is written unless `RALLY_RELIABILITY_REPORT` names a file (the Makefile target sets it);
each call appends one JSON line, so tests in any order (or several processes) can add to it.
`RALLY_RELIABILITY=1` asks the tests for their larger sizes (`sized(ci, full)`).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

REPORT_ENV = "RALLY_RELIABILITY_REPORT"
FULL_ENV = "RALLY_RELIABILITY"
FIGURES = (
    "faults",  # faults injected (HTTP errors, gateway drops, kills, full disks, held locks)
    "bad_inputs",  # fuzzed or malformed inputs tried
    "acknowledged",  # signatures a member was told were counted
    "stored",  # of those, found in the database afterwards
    "duplicated",  # signatures stored more than once
    "announcements_expected",
    "announcements_posted",
)


def full_size() -> bool:
    return os.environ.get(FULL_ENV, "") not in ("", "0")


def sized(ci: int, full: int) -> int:
    """`ci` in the ordinary test run, `full` under `make reliability`."""
    return full if full_size() else ci


def record(test: str, **figures: int) -> None:
    unknown = set(figures) - set(FIGURES)
    if unknown:
        raise ValueError(f"unknown reliability figures: {sorted(unknown)}")
    target = os.environ.get(REPORT_ENV)
    if not target:
        return
    line = json.dumps({"test": test, **{k: int(v) for k, v in figures.items()}})
    with Path(target).open("a", encoding="utf-8") as out:
        out.write(line + "\n")
