"""`python -m bench [scale]`: run every `bench/*.py` module's `main(scale)`, print one table and
write `bench/results/latest.json`.

A benchmark is a module with `main(scale: float = 1.0)` returning its figures: a dict, or a list
of rows (dicts or dataclasses). A new benchmark is a new module; nothing here needs to change.
The table shows each row's numbers; a row with `"ok": False` (or a benchmark that raised) makes
the exit status 1.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import pkgutil
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import bench
from bot.client import freeze_startup_objects

RESULTS = Path(__file__).resolve().parent / "results"


def modules() -> list[str]:
    """The benchmark modules: not packages (`bench/floor`), not this runner nor private helpers."""
    return sorted(
        info.name
        for info in pkgutil.iter_modules(bench.__path__)
        if not info.ispkg and not info.name.startswith("_")
    )


def _rows(figures: Any) -> list[dict[str, Any]]:
    items = figures if isinstance(figures, list) else [figures]
    rows = []
    for item in items:
        if dataclasses.is_dataclass(item) and not isinstance(item, type):
            item = dataclasses.asdict(item)
        rows.append(dict(item))
    return rows


def run(scale: float = 1.0, names: list[str] | None = None) -> dict[str, list[dict[str, Any]]]:
    results: dict[str, list[dict[str, Any]]] = {}
    for name in names or modules():
        importlib.import_module(f"bench.{name}")
    # What Rally runs in this process (the ingest bench's web server) runs as in the bot's own
    # process, whose start-up objects are frozen out of the garbage collector (`bot/client.py`).
    freeze_startup_objects()
    for name in names or modules():
        started = time.perf_counter()
        try:
            rows = _rows(importlib.import_module(f"bench.{name}").main(scale))
        except Exception as exc:  # one broken benchmark does not hide the others' figures
            rows = [{"error": f"{type(exc).__name__}: {exc}", "ok": False}]
        for row in rows:
            row.setdefault("wall_s", round(time.perf_counter() - started, 1))
        results[name] = rows
    return results


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "NO"
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 100 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def table(results: dict[str, list[dict[str, Any]]]) -> str:
    """One line per row: the benchmark's name, then its scalar figures."""
    lines = []
    for name, rows in results.items():
        for row in rows:
            cells = [
                f"{key}={_cell(value)}"
                for key, value in row.items()
                if isinstance(value, str | int | float | bool) and key != "bench"
            ]
            lines.append(f"{name:<12} " + "  ".join(cells))
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    scale = float(argv[0]) if argv else 1.0
    results = run(scale)
    print()
    print(table(results))
    RESULTS.mkdir(exist_ok=True)
    record = {
        "when": datetime.now(UTC).isoformat(),
        "scale": scale,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "results": results,
    }
    (RESULTS / "latest.json").write_text(json.dumps(record, indent=2, default=str) + "\n")
    failed = [name for name, rows in results.items() if any(r.get("ok") is False for r in rows)]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
