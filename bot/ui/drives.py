"""Drive embeds and texts: the live status message, the list, the join reply, the sign
confirmation's invite line and the drive announcements (start, 24 hours left, end, goal shares,
recruits)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import discord

from bot.db.announcements import Announcement
from bot.domain.clock import from_text
from bot.domain.drives import Drive, OfflineLog, Recruiter, RewardRole
from bot.domain.petitions import Petition
from bot.i18n import Localizer
from bot.services.drives import DriveReport
from bot.services.signing import SignResult
from bot.services.volunteers import JoinResult
from bot.ui.about import COLOR
from bot.ui.petitions import signed_message
from bot.ui.reviews import held_message
from bot.ui.text import escape, progress_bar, trim

DRIVE_COLOR = discord.Colour(0x2E86DE)
ENDED_COLOR = discord.Colour.dark_grey()
CELEBRATE = discord.Colour(0xF1C40F)
DRIVE_KINDS = frozenset({"drive_start", "drive_last_day", "drive_end", "drive_goal", "recruit"})
#: The custom_id tag of a drive's live status message (":s12"), to recognise it in a channel.
STATUS_TAG = ":s{drive_id}"


def when(moment: datetime, style: str = "f") -> str:
    """A Discord timestamp: every member sees it in their own time zone and language."""
    return f"<t:{int(moment.timestamp())}:{style}>"


def recruiter_name(tr: Localizer, name: str | None) -> str:
    return escape(name) if name else tr.t("a volunteer")


def referral_hint(tr: Localizer, petition: Petition, code: str) -> str:
    return tr.t(
        "Invite friends: /petition sign {code} referral:{referral}",
        code=petition.code,
        referral=code,
    )


def share_text(tr: Localizer, petition: Petition, code: str) -> str:
    return tr.t(
        "Sign “{title}” in Discord: /petition sign {code} referral:{referral}",
        title=petition.title,
        code=petition.code,
        referral=code,
    )


# -- the live status message -------------------------------------------------------------------
def time_line(tr: Localizer, drive: Drive, now: datetime) -> str:
    if drive.has_ended(now):
        return tr.t("Ended {when}.", when=when(drive.closes_at))
    if not drive.has_started(now):
        return tr.t(
            "Starts {when} ({relative}).",
            when=when(drive.starts_at),
            relative=when(drive.starts_at, "R"),
        )
    return tr.t(
        "Ends {when} ({relative}).", when=when(drive.ends_at), relative=when(drive.ends_at, "R")
    )


def top_lines(tr: Localizer, top: list[Recruiter]) -> str:
    lines = []
    for place, recruiter in enumerate(top, start=1):
        lines.append(
            tr.t(
                "{place}. {name} — {count}",
                place=place,
                name=recruiter_name(tr, recruiter.public_name),
                count=recruiter.total,
            )
        )
    return "\n".join(lines) or tr.t("No recruits yet: be the first!")


def drive_embed(tr: Localizer, report: DriveReport, now: datetime) -> discord.Embed:
    drive, petition = report.drive, report.petition
    ended = drive.has_ended(now)
    lines = [
        tr.t(
            "For *{title}* (`{code}`)", title=escape(trim(petition.title, 200)), code=petition.code
        ),
        tr.t("**{total}** of **{goal}**", total=drive.total, goal=drive.goal),
        progress_bar(drive.total, drive.goal),
        tr.t(
            "{signed} signed during the drive · {logged} logged offline",
            signed=drive.signature_count,
            logged=drive.logged_count,
        ),
        time_line(tr, drive, now),
    ]
    embed = discord.Embed(
        title=trim("📣 " + drive.name, 256),
        description="\n".join(lines),
        colour=ENDED_COLOR if ended else DRIVE_COLOR,
    )
    embed.add_field(name=tr.t("Top recruiters"), value=top_lines(tr, report.top), inline=True)
    if report.teams:
        teams = "\n".join(
            tr.t("{place}. {team} — {count}", place=i, team=escape(t.name), count=t.total)
            for i, t in enumerate(report.teams[:10], start=1)
        )
        embed.add_field(name=tr.t("Teams"), value=teams, inline=True)
    footer = tr.tn("{count} volunteer", "{count} volunteers", report.participants)
    if not ended:
        footer += " · " + tr.t("Join with /drive join")
    embed.set_footer(text=footer)
    return embed


def drives_list_embed(tr: Localizer, drives: list[Drive], now: datetime) -> discord.Embed:
    embed = discord.Embed(title=tr.t("Drives"), colour=DRIVE_COLOR)
    lines = []
    for drive in drives:
        if drive.has_ended(now):
            state = tr.t("ended")
        elif drive.has_started(now):
            state = tr.t("running")
        else:
            state = tr.t("starts {when}", when=when(drive.starts_at, "R"))
        lines.append(
            tr.t(
                "**{name}** — {total} of {goal} — {state}",
                name=escape(drive.name),
                total=drive.total,
                goal=drive.goal,
                state=state,
            )
        )
    embed.description = "\n".join(lines) or tr.t(
        "No drives yet. Organizers start one with /drive start."
    )
    return embed


# -- replies to members --------------------------------------------------------------------------
def started_message(tr: Localizer, drive: Drive, petition: Petition) -> str:
    return tr.t(
        "The drive **{name}** for {code} is set: goal {goal}, from {start} to {end}, "
        "in <#{channel}>.",
        name=escape(drive.name),
        code=petition.code,
        goal=drive.goal,
        start=when(drive.starts_at),
        end=when(drive.ends_at),
        channel=str(drive.channel_id),
    )


def join_message(tr: Localizer, result: JoinResult) -> str:
    lines = [
        tr.t("You're in **{name}**!", name=escape(result.drive.name))
        if result.new
        else tr.t("You're already in **{name}**.", name=escape(result.drive.name)),
        tr.t("Your personal code: **{code}**", code=result.code),
    ]
    if result.team is not None:
        lines.append(tr.t("Your team: {team}", team=escape(result.team.name)))
    lines.append(tr.t("Share this, or post your invite here with the button:"))
    lines.append(f"```\n{share_text(tr, result.petition, result.code)}\n```")
    return "\n".join(lines)


def invite_embed(tr: Localizer, petition: Petition, drive_name: str) -> discord.Embed:
    embed = discord.Embed(
        title=trim(petition.title, 256),
        description=tr.t(
            "A volunteer of the drive **{name}** invites you to sign. It takes one click.",
            name=escape(drive_name),
        ),
        colour=COLOR,
    )
    embed.set_footer(text=tr.t("Sign with /petition sign {code}", code=petition.code))
    return embed


def signed_reply(tr: Localizer, result: SignResult) -> str:
    """The sign confirmation, with the member's own invite line during a drive."""
    if result.held:
        return held_message(tr, result.petition.title)
    text = signed_message(tr, result)
    news = result.drive
    if news is None:
        return text
    if news.own_code:
        return text + "\n" + referral_hint(tr, result.petition, news.own_code)
    return (
        text
        + "\n"
        + tr.t(
            "The drive **{name}** is on: /drive join gives you your own invite code.",
            name=escape(news.drive_name),
        )
    )


def log_message(tr: Localizer, entry: OfflineLog, drive: Drive) -> str:
    if entry.status.value == "pending":
        return tr.tn(
            "Logged {count} signature for **{name}**; an organizer will review it.",
            "Logged {count} signatures for **{name}**; an organizer will review them.",
            entry.count,
            name=escape(drive.name),
        )
    return tr.tn(
        "Logged {count} signature for **{name}**. Thank you!",
        "Logged {count} signatures for **{name}**. Thank you!",
        entry.count,
        name=escape(drive.name),
    )


def review_line(tr: Localizer, entry: OfflineLog) -> str:
    note = f" — “{escape(trim(entry.note, 80))}”" if entry.note else ""
    return tr.tn(
        "#{id}: <@{user}> logged {count} signature{note}",
        "#{id}: <@{user}> logged {count} signatures{note}",
        entry.count,
        id=str(entry.id),
        user=str(entry.user_id),
        note=note,
    )


def review_text(tr: Localizer, drive: Drive, logs: list[OfflineLog]) -> str:
    if not logs:
        return tr.t("No logs of **{name}** wait for review.", name=escape(drive.name))
    header = tr.t("Logs of **{name}** waiting for review:", name=escape(drive.name))
    return "\n".join([header, *(review_line(tr, e) for e in logs)])


# -- announcements -------------------------------------------------------------------------------
def _late_note(tr: Localizer, row: Announcement) -> str:
    return (
        "\n\n*" + tr.t("Posted late: Rally was offline when this was due.") + "*"
        if row.payload.get("late")
        else ""
    )


def _results(tr: Localizer, payload: dict[str, Any]) -> list[str]:
    lines = [
        tr.t("**{total}** of **{goal}**", total=int(payload["total"]), goal=int(payload["goal"])),
        progress_bar(int(payload["total"]), int(payload["goal"])),
        tr.t(
            "{signed} signed during the drive · {logged} logged offline",
            signed=int(payload.get("signatures", 0)),
            logged=int(payload.get("logged", 0)),
        ),
    ]
    teams = payload.get("teams") or []
    if teams:
        lines.append(
            tr.t(
                "Teams: {teams}",
                teams=", ".join(
                    f"{escape(t['name'])} {tr.number(int(t['total']))}" for t in teams[:10]
                ),
            )
        )
    return lines


def drive_announcement_embed(
    tr: Localizer, petition: Petition, row: Announcement, *, recruiter: str | None = None
) -> discord.Embed:
    p = row.payload
    name = escape(str(p.get("drive", "")))
    colour = DRIVE_COLOR
    if row.kind == "drive_start":
        title = tr.t("📣 The drive {name} has started!", name=name)
        lines = [
            tr.t(
                "Help *{title}* gather **{goal}** signatures by {end}.",
                title=escape(petition.title),
                goal=int(p["goal"]),
                end=when(from_text(p["ends_at"])),
            ),
            tr.t("Join with /drive join to get your own invite code."),
        ]
        if p.get("teams"):
            lines.append(tr.t("Teams: {teams}", teams=", ".join(escape(t) for t in p["teams"])))
    elif row.kind == "drive_last_day":
        title = tr.t("⏳ 24 hours left in {name}!", name=name)
        lines = [
            tr.t(
                "We're at **{total}** of **{goal}**. One last push: ends {end}.",
                total=int(p["total"]),
                goal=int(p["goal"]),
                end=when(from_text(p["ends_at"]), "R"),
            ),
            progress_bar(int(p["total"]), int(p["goal"])),
        ]
    elif row.kind == "drive_end":
        colour = CELEBRATE
        title = tr.t("🏁 The drive {name} is over", name=name)
        lines = [
            tr.t("Here is what we did together:"),
            *_results(tr, p),
        ]
        top = p.get("top") or []
        if top:
            thanks = ", ".join(recruiter_name(tr, r.get("name")) for r in top)
            lines.append(tr.t("Thank you to our top recruiters: {names}!", names=thanks))
        lines.append(tr.t("Thank you, everyone who signed, shared and gathered signatures!"))
    elif row.kind == "drive_goal":
        colour = CELEBRATE
        threshold = row.threshold or 0
        title = (
            tr.t("🎯 {name} reached its goal!", name=name)
            if threshold >= 100
            else tr.t("🎉 {name} is {percent}% of the way!", name=name, percent=threshold)
        )
        lines = [
            tr.t("**{total}** of **{goal}**", total=int(p["total"]), goal=int(p["goal"])),
            progress_bar(int(p["total"]), int(p["goal"])),
        ]
    else:  # recruit
        colour = CELEBRATE
        count = row.threshold or 1
        if recruiter is not None:
            title = tr.tn(
                "🙌 {name} brought in their first recruit!",
                "🙌 {name} brought in {count} recruits!",
                count,
                name=escape(recruiter),
            )
        else:
            title = tr.tn(
                "🙌 You brought in your first recruit!",
                "🙌 You brought in {count} recruits!",
                count,
            )
        lines = [tr.t("For the drive {name}. Thank you for spreading the word!", name=name)]
    embed = discord.Embed(
        title=trim(title, 256), description="\n".join(lines) + _late_note(tr, row), colour=colour
    )
    embed.set_footer(text=tr.t("Sign with /petition sign {code}", code=petition.code))
    return embed


def drive_history_label(tr: Localizer, row: Announcement) -> str:
    name = escape(str(row.payload.get("drive", "")))
    labels = {
        "drive_start": tr.t("Drive {name} started", name=name),
        "drive_last_day": tr.t("Drive {name}: 24 hours left", name=name),
        "drive_end": tr.t("Drive {name} ended", name=name),
        "drive_goal": tr.t(
            "Drive {name}: {percent}% of its goal", name=name, percent=row.threshold or 0
        ),
        "recruit": tr.tn(
            "Drive {name}: a recruiter's first recruit",
            "Drive {name}: a recruiter's {count} recruits",
            row.threshold or 1,
            name=name,
        ),
    }
    return labels.get(row.kind, row.kind)


def rewards_text(tr: Localizer, rewards: list[RewardRole]) -> str:
    if not rewards:
        return tr.t("No reward roles are set.")
    lines = [tr.t("Reward roles:")]
    for reward in rewards:
        lines.append(
            tr.tn(
                "{count} recruit → <@&{role}>",
                "{count} recruits → <@&{role}>",
                reward.recruits,
                role=str(reward.role_id),
            )
        )
    return "\n".join(lines)
