"""What the signers area shows: a member's profile, import progress and summary, the claims
queue and the audit log. Pure functions from results to text, embeds and files."""

from __future__ import annotations

import io

import discord

from bot.db.audit import AuditEntry
from bot.domain.csv_rows import RowProblem, csv_text
from bot.i18n import N_, Localizer
from bot.services.imports import ImportProgress, ImportSummary
from bot.services.links import ClaimInfo, Linked
from bot.services.signers import Profile
from bot.ui.text import escape, trim

COLOUR = discord.Colour.blurple()
#: What a member's own list says of a signature that is not counted (abuse limits).
HELD_STATES = {"pending": N_("waiting for the organizers' check"), "rejected": N_("not counted")}


def _have(tr: Localizer, present: bool) -> str:
    return tr.t("sealed ✓") if present else tr.t("not given")


def profile_embed(tr: Localizer, profile: Profile) -> discord.Embed:
    embed = discord.Embed(title=tr.t("What Rally holds about you"), colour=COLOUR)
    record = profile.record
    if record is None:
        embed.description = tr.t("Nothing yet: you have not signed or given any details.")
        return embed
    embed.description = tr.t(
        "Your name, postal code, email and phone are sealed with the organization's key: "
        "Rally stores them but cannot read them back, not even to show you."
    )
    if not profile.sealing_on:
        embed.description = tr.t(
            "This Rally collects no personal details (no organization key is set). "
            "Your signatures still count."
        )
    embed.add_field(
        name=tr.t("Details"),
        value="\n".join(
            [
                tr.t("Name: {state}", state=_have(tr, record.has_name)),
                tr.t("Postal code: {state}", state=_have(tr, record.has_postal_code)),
                tr.t("Email: {state}", state=_have(tr, record.has_email)),
                tr.t("Phone: {state}", state=_have(tr, record.has_phone)),
            ]
        ),
        inline=True,
    )
    shown = (
        tr.t("shown as “{name}”", name=escape(record.public_name or ""))
        if record.show_name
        else tr.t("hidden: shown as “a member”")
    )
    embed.add_field(
        name=tr.t("Privacy"),
        value=tr.t("Your name on leaderboards and announcements: {shown}", shown=shown),
        inline=True,
    )
    lines = [
        tr.t(
            "*{code}* — {title} · {date}",
            code=s.code,
            title=escape(trim(s.title, 60)),
            date=s.signed_at,
        )
        + (f" · {tr.t(HELD_STATES[s.status])}" if s.status in HELD_STATES else "")
        for s in profile.signatures[:15]
    ]
    if len(profile.signatures) > 15:
        lines.append(tr.t("… and {more} more", more=len(profile.signatures) - 15))
    embed.add_field(
        name=tr.tn("{count} signature", "{count} signatures", len(profile.signatures)),
        value="\n".join(lines) or tr.t("none yet"),
        inline=False,
    )
    if profile.referral_codes:
        embed.add_field(
            name=tr.t("Referral codes"),
            value="\n".join(
                tr.t(
                    "`{code}` ({drive}): {recruits} recruited",
                    code=c.code,
                    drive=escape(c.drive),
                    recruits=c.recruits,
                )
                for c in profile.referral_codes[:10]
            ),
            inline=False,
        )
    if profile.pending_claim is not None:
        embed.set_footer(
            text=tr.t("Your claim #{claim} waits for the organizers.", claim=profile.pending_claim)
        )
    return embed


def linked_text(tr: Localizer, linked: Linked) -> str:
    if not linked.found_record:
        return tr.t(
            "Your email is confirmed. Rally found no earlier signatures under it, and will "
            "recognise it if it turns up in an imported list."
        )
    text = tr.t("Linked: your earlier signatures are now yours in Discord too.")
    if linked.lowered:
        text += "\n" + tr.tn(
            "You had signed {count} petition both ways; it now counts you once.",
            "You had signed {count} petitions both ways; each now counts you once.",
            len(linked.lowered),
        )
    return text


def import_progress_text(tr: Localizer, file_name: str, progress: ImportProgress) -> str:
    if progress.phase == "counting":
        return tr.t(
            "Importing {file}: read {rows} rows; counting them now…",
            file=escape(file_name),
            rows=progress.rows_read,
        )
    return tr.t(
        "Importing {file}: {rows} rows read, {staged} good so far, {duplicates} duplicates, "
        "{rejected} rejected…",
        file=escape(file_name),
        rows=progress.rows_read,
        staged=progress.staged,
        duplicates=progress.duplicates,
        rejected=progress.rejected,
    )


def import_summary_text(tr: Localizer, summary: ImportSummary) -> str:
    text = tr.t(
        "Imported {file} into *{code}*: {imported} signatures counted, {duplicates} duplicates, "
        "{rejected} rejected, of {rows} rows. Total now: {total}.",
        file=escape(summary.file_name),
        code=summary.petition.code,
        imported=summary.imported,
        duplicates=summary.duplicates,
        rejected=summary.rejected,
        rows=summary.rows_read,
        total=summary.petition.total,
    )
    if summary.goal_change is not None:
        text += "\n" + tr.t("The goal rose to {goal}.", goal=summary.goal_change.to_goal)
    if summary.problems:
        text += "\n" + tr.t("The attached CSV lists every row not counted, with its line and why.")
    return text


def problems_file(tr: Localizer, problems: list[RowProblem], file_name: str) -> discord.File:
    """Line, outcome and reason of each row not counted — no cell of the row itself."""
    kinds = {"rejected": tr.t("rejected"), "duplicate": tr.t("duplicate")}
    text = csv_text(
        [tr.t("line"), tr.t("outcome"), tr.t("reason")],
        ((p.line, kinds.get(p.kind, p.kind), tr.t(p.reason, **p.params)) for p in problems),
    )
    stem = file_name.rsplit(".", 1)[0][:60] or "import"
    return discord.File(io.BytesIO(text.encode("utf-8-sig")), filename=f"{stem}-not-counted.csv")


def claim_text(tr: Localizer, info: ClaimInfo, remaining: int) -> str:
    if info.linked_elsewhere:
        match = tr.t("the record is already linked to another member")
    elif info.matches_record:
        match = tr.tn(
            "matches a record with {count} signature ({source})",
            "matches a record with {count} signatures ({source})",
            info.record_signatures,
            source=escape(info.record_source or "—"),
        )
    else:
        match = tr.t("matches no record (approving remembers the email for later imports)")
    return tr.t(
        "Claim #{claim} by <@{user}> on {date}: {match}. Check with them that it is really "
        "their address before you approve. Claims waiting: {remaining}.",
        claim=info.claim.id,
        user=str(info.claim.user_id),
        date=info.claim.created_at,
        match=match,
        remaining=remaining,
    )


def audit_embed(tr: Localizer, entries: list[AuditEntry]) -> discord.Embed:
    embed = discord.Embed(title=tr.t("Recent actions"), colour=COLOUR)
    lines = []
    for entry in entries:
        who = f"<@{entry.actor_id}>" if entry.actor_id else tr.t("someone (erased)")
        subject = f" {escape(entry.subject)}" if entry.subject else ""
        stamp = int(entry.created_at.timestamp())
        lines.append(f"<t:{stamp}:f> {who} `{entry.action}`{subject}")
    embed.description = trim("\n".join(lines) or tr.t("Nothing recorded yet."), 4000)
    return embed
