"""The memory and start-up benchmark runs end to end at a tiny scale: two processes, all rows."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from bench import startup

FIELDS = {"name", "figure", "value", "unit", "floor", "ratio", "goal", "ok"}


def test_the_startup_bench_runs_tiny(capsys: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(startup, "LAUNCHES", 1)  # one start of each bot is enough here
    rows = startup.main(0.01)  # 10,000 signatures, 1,000 members
    assert rows and all(set(row) == FIELDS for row in rows)
    by = {row["figure"]: row for row in rows}
    rss = by["RSS after ready"]
    assert isinstance(rss["value"], float) and rss["value"] > 0
    assert isinstance(rss["floor"], float) and 0 < rss["floor"] < rss["value"]
    ready = by["start → ready (/about answered)"]
    assert isinstance(ready["value"], float) and ready["value"] > 0
    assert by["GUILD_CREATE member_count"]["value"] == 1_002  # members, owner and the bot
    assert by["GUILD_CREATE members sent"]["value"] == 1  # no members intent: only the bot
    assert "RSS after ready" in capsys.readouterr().out


async def test_the_database_has_consistent_counters(tmp_path: Path) -> None:
    path = tmp_path / "r.db"
    await startup.build_database(path, guild_id=7, signatures=1_000)
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM signatures").fetchone() == (1_000,)
        assert conn.execute(
            "SELECT COUNT(*) FROM petitions p WHERE signature_count != last_signer_number "
            "OR signature_count != (SELECT COUNT(*) FROM signatures s "
            "WHERE s.petition_id = p.id AND s.status = 'counted')"
        ).fetchone() == (0,)
