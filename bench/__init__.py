"""Rally's benchmarks: each `bench/<name>.py` has `main(scale: float = 1.0) -> dict` that builds
its data, prints its figures beside their floor, and returns them (with `rally_ms`, `naive_ms`,
`goal_ms` and `ok` for the summary table). `python -m bench` runs them all."""
