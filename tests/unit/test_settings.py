"""Bad settings stop start-up with one clear line and exit code 2; the token never leaks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import SettingsError, load_settings

ROOT = Path(__file__).resolve().parents[2]


def run_bot(env: dict[str, str], tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DEV_", "LOG_"))}
    full.update(env)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,
        env={**full, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("env", "name", "allowed"),
    [
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL", "one of DEBUG, INFO, WARNING, ERROR, CRITICAL"),
        ({"DEV_GUILD_ID": "abc"}, "DEV_GUILD_ID", "a Discord server id"),
        ({"DEV_GUILD_ID": "-5"}, "DEV_GUILD_ID", "a Discord server id"),
        ({"DATABASE_PATH": "/proc/rally/rally.db"}, "DATABASE_PATH", "a folder Rally can write"),
        ({"SANDBOX_SECONDS": "0"}, "SANDBOX_SECONDS", "between 1 and 600"),
    ],
)
def test_bad_setting_exits_2_with_one_line(
    env: dict[str, str], name: str, allowed: str, tmp_path: Path
) -> None:
    result = run_bot({**env, "DISCORD_TOKEN": "secret-token-value"}, tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert name in lines[0] and allowed in lines[0]
    assert "Traceback" not in result.stderr
    assert "secret-token-value" not in result.stderr + result.stdout


def test_unwritable_database_folder_is_refused(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        target = Path("/proc/1/rally.db")  # root can write anywhere but here
    else:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        target = locked / "rally.db"
    with pytest.raises(SettingsError, match="DATABASE_PATH"):
        load_settings(database_path=target)


def test_token_is_secret_in_repr_and_errors(tmp_path: Path) -> None:
    settings = load_settings(discord_token="abc.def.ghi", database_path=tmp_path / "r.db")
    assert "abc.def.ghi" not in repr(settings)
    assert "abc.def.ghi" not in str(settings)
    assert settings.discord_token is not None
    assert settings.discord_token.get_secret_value() == "abc.def.ghi"


def test_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for key in ("DISCORD_TOKEN", "DATABASE_PATH", "DEV_GUILD_ID", "LOG_LEVEL"):
        monkeypatch.delenv(key, raising=False)
    settings = load_settings()
    assert settings.discord_token is None
    assert settings.database_path == Path("data/rally.db")
    assert settings.dev_guild_id is None
    assert settings.log_level == "INFO"


def test_log_level_is_case_insensitive(tmp_path: Path) -> None:
    assert load_settings(log_level="debug", database_path=tmp_path / "r.db").log_level == "DEBUG"


def test_database_that_is_not_sqlite_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(b"these are my notes, not a database\n" * 10)
    before = path.read_bytes()
    result = run_bot(
        {"DATABASE_PATH": str(path), "DISCORD_TOKEN": "x"}, tmp_path, "backup", str(tmp_path / "b")
    )
    # backup reads the file with SQLite: refused with a clear line, file unchanged
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert path.read_bytes() == before


def test_importing_bot_starts_nothing_and_needs_no_token() -> None:
    code = "import bot, bot.client, bot.config, bot.services; print('ok')"
    env = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"}
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0 and result.stdout.strip() == "ok"
    assert result.stderr == ""
