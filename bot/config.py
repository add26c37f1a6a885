"""Rally's settings, read from the environment and `.env` (pydantic-settings).

Nothing here runs at import time: `load_settings()` builds a `Settings` when the composition root
asks for one. A bad value becomes a `SettingsError` whose message names the variable and what is
allowed; the CLI prints that one line and exits with code 2.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Literal

from pydantic import AnyHttpUrl, AnyUrl, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.domain.abuse import AbuseLimits

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]

#: What each variable accepts, in words, for the one-line start-up error.
ALLOWED: dict[str, str] = {
    "DISCORD_TOKEN": "the bot token from the Discord developer portal",
    "DATABASE_PATH": "a path to a SQLite file in a folder Rally can write to",
    "DEV_GUILD_ID": "a Discord server id (a positive whole number) or empty",
    "LOG_LEVEL": "one of DEBUG, INFO, WARNING, ERROR, CRITICAL",
    "SANDBOX_SECONDS": "a number of seconds between 1 and 600",
    "LIVE_REFRESH_SECONDS": "a number of seconds between 0.05 and 3600",
    "OUTBOX_POLL_SECONDS": "a number of seconds between 0.05 and 3600",
    "DISCORD_API_URL": "an http(s) URL such as http://127.0.0.1:8080/api/v10, or empty",
    "DISCORD_GATEWAY_URL": "a ws(s) URL such as ws://127.0.0.1:8080/gateway, or empty",
    "RALLY_PUBLIC_KEY": "the public key `python -m bot keys new` printed (base64 of 32 bytes)",
    "RALLY_HASH_KEY": "a secret of at least 32 characters, e.g. the one `keys new` printed",
    "SMTP_HOST": "the host name of your SMTP server, or empty for the organizers' review queue",
    "SMTP_PORT": "a port number between 1 and 65535",
    "SMTP_USERNAME": "the SMTP user name, or empty",
    "SMTP_PASSWORD": "the SMTP password, or empty",
    "SMTP_FROM": "the sender address of Rally's emails, like rally@example.org",
    "SMTP_STARTTLS": "true or false",
    "IMPORT_MAX_BYTES": "a file size in bytes between 1000 and 104857600",
    "WEB_HOST": "the address the web server listens on, like 127.0.0.1 or 0.0.0.0",
    "WEB_PORT": "a port number between 0 and 65535 (0: any free port), or empty for no web server",
    "WEB_PUBLIC_URL": "the https URL the web server is reached at, like https://rally.example.org",
    "WEBHOOK_MAX_BYTES": "a request size in bytes between 1024 and 52428800",
    "HEALTH_MAX_BACKLOG": "a number of waiting events between 1 and 10000000",
    "NEW_ACCOUNT_DAYS": "a number of days between 0 (off) and 365",
    "BURST_ACCOUNT_DAYS": "a number of days between 0 and 3650",
    "BURST_SIGNATURES": "a number of signatures between 0 (off) and 100000",
    "BURST_MINUTES": "a number of minutes between 1 and 10080",
    "SIGN_COOLDOWN_SECONDS": "a number of seconds between 0 (off) and 3600",
    "LINK_COOLDOWN_SECONDS": "a number of seconds between 0 (off) and 3600",
    "CODE_COOLDOWN_SECONDS": "a number of seconds between 0 (off) and 3600",
}


class SettingsError(Exception):
    """A setting has a value Rally cannot use; the message is one line for the operator."""


class Settings(BaseSettings):
    """Every setting Rally reads. `.env.example` documents each with its default."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        env_ignore_empty=True,
        extra="ignore",
        case_sensitive=False,
        env_nested_delimiter="__",
    )

    discord_token: SecretStr | None = Field(default=None, description=ALLOWED["DISCORD_TOKEN"])
    database_path: Path = Field(default=Path("data/rally.db"))
    dev_guild_id: int | None = Field(default=None, gt=0)
    log_level: LogLevel = "INFO"
    sandbox_seconds: float = Field(default=30.0, ge=1, le=600)
    live_refresh_seconds: float = Field(default=5.0, ge=0.05, le=3600)
    outbox_poll_seconds: float = Field(default=5.0, ge=0.05, le=3600)
    rally_public_key: str | None = None
    rally_hash_key: SecretStr | None = Field(default=None, min_length=32)
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+$")
    smtp_starttls: bool = True
    import_max_bytes: int = Field(default=25 * 1024 * 1024, ge=1000, le=100 * 1024 * 1024)
    # The web server (webhooks, /healthz, /metrics): off unless WEB_PORT is set.
    web_host: str = Field(default="127.0.0.1", min_length=1, max_length=255)
    web_port: int | None = Field(default=None, ge=0, le=65535)
    web_public_url: AnyHttpUrl | None = None
    webhook_max_bytes: int = Field(default=2 * 1024 * 1024, ge=1024, le=50 * 1024 * 1024)
    health_max_backlog: int = Field(default=10_000, ge=1, le=10_000_000)
    # Abuse limits (README "Abuse limits"): signatures held for review, per-member cooldowns.
    new_account_days: float = Field(default=3.0, ge=0, le=365)
    burst_account_days: float = Field(default=30.0, ge=0, le=3650)
    burst_signatures: int = Field(default=5, ge=0, le=100_000)
    burst_minutes: float = Field(default=10.0, ge=1, le=10_080)
    sign_cooldown_seconds: float = Field(default=5.0, ge=0, le=3600)
    link_cooldown_seconds: float = Field(default=30.0, ge=0, le=3600)
    code_cooldown_seconds: float = Field(default=5.0, ge=0, le=3600)

    def abuse_limits(self) -> AbuseLimits:
        return AbuseLimits(
            new_account_age=timedelta(days=self.new_account_days),
            burst_account_age=timedelta(days=self.burst_account_days),
            burst_count=self.burst_signatures,
            burst_window=timedelta(minutes=self.burst_minutes),
            sign_cooldown=self.sign_cooldown_seconds,
            link_cooldown=self.link_cooldown_seconds,
            code_cooldown=self.code_cooldown_seconds,
        )

    @property
    def web_base_url(self) -> str:
        """Where senders reach the web server: WEB_PUBLIC_URL, else http://WEB_HOST:WEB_PORT."""
        if self.web_public_url is not None:
            return str(self.web_public_url).rstrip("/")
        return f"http://{self.web_host}:{self.web_port or 0}"

    @property
    def public_page_base(self) -> str | None:
        """Where petitions' public pages are (WEB_PUBLIC_URL), when the web server runs; else
        None, and shares and QR codes lead to the server's invite as before."""
        if self.web_port is None or self.web_public_url is None:
            return None
        return str(self.web_public_url).rstrip("/")

    @field_validator("rally_public_key")
    @classmethod
    def _public_key(cls, value: str | None) -> str | None:
        if value is not None:
            from bot.domain.sealing import load_public_key

            load_public_key(value)  # raises ValueError with what is expected
        return value

    # Where Discord is: only changed to run the bot against the local emulator (tests).
    discord_api_url: AnyHttpUrl | None = None
    discord_gateway_url: AnyUrl | None = None

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("dev_guild_id", mode="before")
    @classmethod
    def _digits_only(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip().isdigit():
            raise ValueError("not a number")
        return value


def _describe(error: ValidationError) -> str:
    first = error.errors()[0]
    name = str(first["loc"][0]).upper() if first["loc"] else "settings"
    allowed = ALLOWED.get(name, "a valid value")
    secret = name in {"DISCORD_TOKEN", "RALLY_HASH_KEY", "SMTP_PASSWORD"}
    shown = "" if secret else f" (got {first.get('input')!r})"
    return f"{name} is not valid{shown}: expected {allowed}."


def check_database_folder(path: Path) -> None:
    """Refuse a database path whose folder cannot be created or written."""
    folder = path.expanduser().resolve().parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SettingsError(
            f"DATABASE_PATH is not valid ({str(path)!r}): cannot create its folder "
            f"({exc.strerror}); expected {ALLOWED['DATABASE_PATH']}."
        ) from None
    if not os.access(folder, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise SettingsError(
            f"DATABASE_PATH is not valid ({str(path)!r}): the folder is not writable; "
            f"expected {ALLOWED['DATABASE_PATH']}."
        )


def load_settings(**overrides: object) -> Settings:
    """Build the settings from the environment, `.env` and `overrides`; raise `SettingsError`."""
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise SettingsError(_describe(exc)) from None
    check_database_folder(settings.database_path)
    return settings
