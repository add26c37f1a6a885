"""The sign-surge benchmark runs end to end at a tiny scale: every row, an exact count."""

from __future__ import annotations

from typing import Any

from bench import surge

FIELDS = {"name", "figure", "value", "unit", "floor", "ratio", "goal", "ok"}


def test_the_surge_bench_runs_tiny_and_counts_exactly(capsys: Any) -> None:
    rows = surge.main(0.004)  # bursts of 20 members, then 20 paced
    assert rows and all(set(row) == FIELDS for row in rows)
    names = {row["name"] for row in rows}
    assert names == {"sign surge · 20 members", "sign surge · 20 members paced 200/s"}
    by = {(row["name"], row["figure"]): row for row in rows}
    for name in names:
        count = by[(name, "final count")]
        assert count["value"] == 20 and count["ok"] is True
        assert by[(name, "milestones posted")]["ok"] is True  # "🎉 10 signatures!" once
        assert by[(name, "answers past 3 s")]["value"] == 0
    throughput = by[("sign surge · 20 members", "interactions/s")]
    assert isinstance(throughput["value"], float) and throughput["value"] > 0
    assert isinstance(throughput["floor"], float) and throughput["floor"] > 0
    assert "interactions/s" in capsys.readouterr().out


def _result(floor_s: float, rally_s: float, count: int = 100) -> surge.Result:
    return surge.Result(
        members=100,
        rate=None,
        deadline=120.0,
        floor=surge.Surge(100, floor_s, [0.1] * 100, 0),
        rally=surge.Surge(100, rally_s, [0.1] * 100, 0),
        final_count=count,
        milestones_posted=["🎉 100 signatures!"],
        milestones_expected=["🎉 100 signatures!"],
    )


def test_the_median_round_is_reported_unless_a_round_went_wrong() -> None:
    slow, middle, fast = _result(0.1, 0.4), _result(0.1, 0.2), _result(0.1, 0.1)
    assert surge.representative([fast, slow, middle]) is middle
    miscounted = _result(0.1, 0.1, count=99)
    assert surge.representative([fast, miscounted, middle]) is miscounted
