"""The offline sandbox runs the whole scripted campaign and exits 0 with a readable transcript."""

from __future__ import annotations

import io
from pathlib import Path

from bot.config import load_settings
from bot.sandbox.demo import run_demo


async def test_sandbox_runs_the_campaign_and_prints_the_transcript(tmp_path: Path) -> None:
    out = io.StringIO()
    settings = load_settings(database_path=tmp_path / "data" / "rally.db", sandbox_seconds=60)
    assert await run_demo(settings, out=out) == 0
    text = out.getvalue()
    assert "> olga: /petition create" in text
    assert "You're signer #1 of *Designate Belarus for Temporary Protected Status*" in text
    assert "You already signed" in text
    assert "🎉 10 signatures!" in text and "🎉 25 signatures!" in text
    assert "**678 so far!** Help us get to **1,000** signers!" in text
    assert "[Sign] [Share] [Read the full letter] [Manage]" in text
    assert (tmp_path / "data" / "sandbox" / "rally.db").exists()
