"""The ingest bench runs end to end at a tiny scale and reports every batch size."""

from __future__ import annotations

from bench.ingest import BATCH_SIZES, main


def test_ingest_bench_smoke() -> None:
    rows = main(0.01)
    assert [r["batch"] for r in rows] == list(BATCH_SIZES)
    for row in rows:
        assert row["signatures"] >= row["batch"]
        assert row["rally_per_s"] > 0 and row["raw_sqlite_per_s"] > 0
