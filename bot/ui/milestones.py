"""Milestone announcements and their history, as embeds."""

from __future__ import annotations

import discord

from bot.db.announcements import Announcement, MilestoneSettings
from bot.domain.petitions import Petition
from bot.i18n import Localizer
from bot.ui.about import COLOR
from bot.ui.drives import DRIVE_KINDS, drive_history_label
from bot.ui.petition_views import PetitionButton, announcement_tag
from bot.ui.text import escape, progress_bar

CELEBRATE = discord.Colour(0xF1C40F)


def announcement_embed(
    tr: Localizer, petition: Petition, announcement: Announcement
) -> discord.Embed:
    total = int(announcement.payload.get("total") or petition.total)
    new_goal = announcement.payload.get("new_goal")
    threshold = announcement.threshold or total
    if announcement.kind == "goal":
        title = tr.t("🎯 Goal reached: {goal}!", goal=threshold)
    else:
        title = tr.tn("🎉 {count} signature!", "🎉 {count} signatures!", threshold)
    lines = [
        tr.tn(
            "*{title}* just passed {count} signer. Thank you, everyone who signed and shared!",
            "*{title}* just passed {count} signers. Thank you, everyone who signed and shared!",
            threshold,
            title=escape(petition.title),
        )
    ]
    if new_goal:
        lines.append(
            tr.t(
                "We reached {goal}! New goal: **{new_goal}**",
                goal=threshold,
                new_goal=int(new_goal),
            )
        )
        goal = int(new_goal)
    else:
        goal = petition.goal
        lines.append(tr.t("Next: help us get to **{goal}** signers!", goal=goal))
    lines.append(progress_bar(total, goal))
    embed = discord.Embed(title=title, description="\n\n".join(lines), colour=CELEBRATE)
    embed.set_footer(text=tr.t("Sign with /petition sign {code}", code=petition.code))
    return embed


def announcement_view(
    tr: Localizer, petition: Petition, announcement: Announcement
) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    if petition.is_open:
        view.add_item(
            PetitionButton("sign", petition.id, tr.t("Sign"), tag=announcement_tag(announcement.id))
        )
    view.add_item(
        PetitionButton("share", petition.id, tr.t("Share"), tag=announcement_tag(announcement.id))
    )
    return view


def history_embed(
    tr: Localizer, petition: Petition, rows: list[Announcement], guild_id: int
) -> discord.Embed:
    embed = discord.Embed(title=tr.t("Milestones of {code}", code=petition.code), colour=COLOR)
    lines = []
    for row in rows[-25:]:
        if row.kind in DRIVE_KINDS:
            what = drive_history_label(tr, row)
        elif row.kind == "goal":
            what = tr.t("Goal {goal} reached", goal=row.threshold or 0)
        else:
            what = tr.tn("{count} signature", "{count} signatures", row.threshold or 0)
        when = tr.datetime(row.sent_at or row.created_at)
        if row.status == "sent" and row.message_id and row.channel_id:
            link = f"https://discord.com/channels/{guild_id}/{row.channel_id}/{row.message_id}"
            label = tr.t("message")
            lines.append(f"• {what} — {when} — [{label}]({link})")
        elif row.status == "failed":
            state = tr.t("could not be posted")
            lines.append(f"• {what} — {state}")
        else:
            state = tr.t("waiting to be posted")
            lines.append(f"• {what} — {state}")
    embed.description = "\n".join(lines) or tr.t("Nothing announced yet.")
    return embed


def settings_text(
    tr: Localizer, settings: MilestoneSettings, ladder: tuple[int, ...] | None
) -> str:
    unset = tr.t("not set")
    channel = (
        f"<#{settings.channel_id}>"
        if settings.channel_id
        else tr.t("the server's announcement channel")
    )
    role = f"<@&{settings.ping_role_id}>" if settings.ping_role_id else unset
    mode = tr.t("each rung") if settings.announce_each else tr.t("only the highest rung")
    lines = [
        tr.t("Channel: {channel}", channel=channel),
        tr.t("Ping role: {role}", role=role),
        tr.t("A jump over several rungs announces: {mode}", mode=mode),
    ]
    if ladder is not None:
        lines.append(
            tr.t("This petition's ladder: {ladder}", ladder=", ".join(tr.number(r) for r in ladder))
        )
    return "\n".join(lines)
