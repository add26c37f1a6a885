"""The leaderboard benchmark runs end to end at a tiny scale, and `python -m bench` tables it."""

from __future__ import annotations

from typing import Any

from bench import leaderboard
from bench.__main__ import modules, table


def test_the_leaderboard_bench_runs_tiny_and_agrees_with_the_naive_query(capsys: Any) -> None:
    figures = leaderboard.main(0.001)
    assert figures["signatures"] == 1000 and figures["recruiters"] == 50
    for name in ("all", "month", "drive"):
        assert figures[name]["same_answer"], (name, figures[name])
        assert figures[name]["rally_ms"] > 0 and figures[name]["naive_ms"] > 0
    assert figures["write_us_per_signature"] > 0
    printed = capsys.readouterr().out
    assert "naive GROUP BY" in printed and "top-10 + caller rank" in printed
    assert "leaderboard" in modules()
    assert "__main__" not in modules()  # the runner is not a benchmark (it would call itself)
    line = table({"leaderboard": [figures]})
    assert line.startswith("leaderboard") and "rally_ms=" in line and "ok=" in line
