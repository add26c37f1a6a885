"""Server settings repository (`/setup`)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from bot.db.database import Connection
from bot.domain.clock import to_text


@dataclass(frozen=True, slots=True)
class GuildSettings:
    guild_id: int
    organizer_role_id: int | None = None
    announcement_channel_id: int | None = None
    organizers_channel_id: int | None = None
    timezone: str = "UTC"
    language: str = "en"
    organization_name: str | None = None
    invite_url: str | None = None
    sms_number: str | None = None
    sms_keyword: str | None = None

    def with_changes(self, **changes: object) -> GuildSettings:
        return replace(self, **changes)  # type: ignore[arg-type]


_FIELDS = (
    "organizer_role_id, announcement_channel_id, organizers_channel_id, timezone, language, "
    "organization_name, invite_url, sms_number, sms_keyword"
)


async def get(conn: Connection, guild_id: int) -> GuildSettings:
    row = await conn.fetchone(
        f"SELECT guild_id, {_FIELDS} FROM guild_settings WHERE guild_id = ?", (guild_id,)
    )
    if row is None:
        return GuildSettings(guild_id)
    return GuildSettings(*tuple(row))


async def save(conn: Connection, settings: GuildSettings, now: datetime) -> None:
    await conn.execute(
        f"INSERT INTO guild_settings (guild_id, {_FIELDS}, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (guild_id) DO UPDATE SET "
        "organizer_role_id = excluded.organizer_role_id, "
        "announcement_channel_id = excluded.announcement_channel_id, "
        "organizers_channel_id = excluded.organizers_channel_id, timezone = excluded.timezone, "
        "language = excluded.language, organization_name = excluded.organization_name, "
        "invite_url = excluded.invite_url, sms_number = excluded.sms_number, "
        "sms_keyword = excluded.sms_keyword, updated_at = excluded.updated_at",
        (
            settings.guild_id,
            settings.organizer_role_id,
            settings.announcement_channel_id,
            settings.organizers_channel_id,
            settings.timezone,
            settings.language,
            settings.organization_name,
            settings.invite_url,
            settings.sms_number,
            settings.sms_keyword,
            to_text(now),
        ),
    )
