"""The /setup embed."""

from __future__ import annotations

import discord

from bot.db.guilds import GuildSettings
from bot.i18n import LANGUAGE_NAMES, Localizer
from bot.ui.about import COLOR


def settings_embed(tr: Localizer, settings: GuildSettings) -> discord.Embed:
    unset = tr.t("not set")
    embed = discord.Embed(title=tr.t("Rally settings"), colour=COLOR)
    role = f"<@&{settings.organizer_role_id}>" if settings.organizer_role_id else unset
    channel = (
        f"<#{settings.announcement_channel_id}>" if settings.announcement_channel_id else unset
    )
    embed.add_field(name=tr.t("Organizer role"), value=role)
    embed.add_field(name=tr.t("Announcement channel"), value=channel)
    review = f"<#{settings.organizers_channel_id}>" if settings.organizers_channel_id else unset
    embed.add_field(name=tr.t("Review channel"), value=review)
    embed.add_field(name=tr.t("Time zone"), value=settings.timezone)
    embed.add_field(
        name=tr.t("Language"), value=LANGUAGE_NAMES.get(settings.language, settings.language)
    )
    embed.add_field(name=tr.t("Organization"), value=settings.organization_name or unset)
    embed.add_field(name=tr.t("Invite link"), value=settings.invite_url or unset)
    sms = (
        tr.t(
            "text {keyword} CODE to {number}",
            keyword=settings.sms_keyword or "sign",
            number=settings.sms_number,
        )
        if settings.sms_number
        else unset
    )
    embed.add_field(name=tr.t("Sign by SMS"), value=sms)
    embed.set_footer(text=tr.t("Organizers: members with Manage Server or the organizer role."))
    return embed
