"""`make reliability`'s summary: one table from the figures the reliability tests recorded.

    python -m tests.reliability_report FIGURES.jsonl

Each line of FIGURES.jsonl is what one test measured (see tests/reliability_figures.py). Lost is
acknowledged minus stored. Exits 1 when anything was lost or duplicated, when an announcement
expected was not posted (or posted twice), or when no figures were recorded at all.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

from tests.reliability_figures import FIGURES

HEADERS = (
    "test",
    "faults injected",
    "bad inputs tried",
    "signatures acknowledged",
    "stored",
    "lost",
    "duplicated",
    "announcements expected",
    "posted",
)


def load(path: Path) -> dict[str, dict[str, int]]:
    """Test name → figures, summed over its runs (a parametrized test records once per case)."""
    totals: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(FIGURES, 0))
    if not path.exists():
        return {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        entry = json.loads(line)
        row = totals[str(entry.pop("test"))]
        for key, value in entry.items():
            row[key] += int(value)
    return dict(totals)


def cells(name: str, f: dict[str, int]) -> list[str]:
    lost = f["acknowledged"] - f["stored"]
    return [
        name,
        *(
            f"{n:,}"
            for n in (
                f["faults"],
                f["bad_inputs"],
                f["acknowledged"],
                f["stored"],
                lost,
                f["duplicated"],
                f["announcements_expected"],
                f["announcements_posted"],
            )
        ),
    ]


def render(rows: dict[str, dict[str, int]]) -> tuple[str, bool]:
    """The table, and whether every figure is as it must be."""
    total = dict.fromkeys(FIGURES, 0)
    for figures in rows.values():
        for key in FIGURES:
            total[key] += figures[key]
    table = [list(HEADERS)] + [cells(n, f) for n, f in sorted(rows.items())]
    table.append(cells("TOTAL", total))
    widths = [max(len(r[i]) for r in table) for i in range(len(HEADERS))]

    def line(row: list[str]) -> str:
        first = row[0].ljust(widths[0])
        rest = (cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True))
        return " | ".join([first, *rest])

    rule = "-+-".join("-" * w for w in widths)
    text = "\n".join([line(table[0]), rule, *map(line, table[1:-1]), rule, line(table[-1])])
    lost = total["acknowledged"] - total["stored"]
    missing = total["announcements_expected"] - total["announcements_posted"]
    ok = bool(rows) and lost == 0 and total["duplicated"] == 0 and missing == 0
    verdict = (
        f"lost = {lost}, duplicated = {total['duplicated']}, announcements missing or doubled = "
        f"{abs(missing)}: {'OK' if ok else 'FAILED'}"
    )
    return f"{text}\n\n{verdict}", ok


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m tests.reliability_report FIGURES.jsonl", file=sys.stderr)
        return 2
    rows = load(Path(args[0]))
    if not rows:
        print(f"no reliability figures were recorded in {args[0]}", file=sys.stderr)
        return 1
    text, ok = render(rows)
    print(text)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
