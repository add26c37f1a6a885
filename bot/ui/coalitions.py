"""Coalitions as organizers and members read them: join codes, partners, signatures per server.

Only counts cross servers: a server is named by its Discord name, never by who is in it.
"""

from __future__ import annotations

from collections.abc import Mapping

import discord

from bot.domain.coalitions import DropSide, PartnerStatus
from bot.i18n import Localizer
from bot.services.coalitions import DropOutcome, Invite, Standings
from bot.ui.text import escape, trim

COLOUR = discord.Colour(0xC8102E)


def server_name(tr: Localizer, names: Mapping[int, str], guild_id: int) -> str:
    name = names.get(guild_id)
    return escape(trim(name, 80)) if name else tr.t("a server Rally is no longer in")


def invite_text(tr: Localizer, invite: Invite) -> str:
    petition = invite.petition
    if invite.join_code is None:
        return tr.t(
            "*{code}* is closed to new partner servers. Servers that follow it keep following.",
            code=petition.code,
        )
    return tr.t(
        "Partner servers join *{code}* with:\n`/petition follow code:{code} join-code:{join}`\n"
        "Share the join code only with organizers you trust. `/petition join-code` with "
        "*rotate* draws a new one (the old one stops working), *close* stops new partners.",
        code=petition.code,
        join=invite.join_code,
    )


def followed_text(tr: Localizer, title: str, code: str) -> str:
    return tr.t(
        "This server now follows “{title}”. Post it here with /petition show {code}; members "
        "sign it here and count in the shared total.",
        title=escape(title),
        code=code,
    )


def unfollowed_text(tr: Localizer, title: str) -> str:
    return tr.t(
        "This server no longer follows “{title}”. The signatures its members gave stay counted.",
        title=escape(title),
    )


def removed_text(tr: Localizer, title: str, server: str) -> str:
    return tr.t(
        "{server} is no longer a partner of “{title}”. Its signatures stay counted unless the "
        "organizers of both servers agree to drop them (/petition drop-partner).",
        server=server,
        title=escape(title),
    )


def drop_text(tr: Localizer, outcome: DropOutcome, server: str) -> str:
    title = escape(outcome.petition.title)
    if outcome.dropped is not None:
        return tr.tn(
            "Both sides agreed: {count} signature from {server} was dropped from “{title}”, "
            "which now counts {total}.",
            "Both sides agreed: {count} signatures from {server} were dropped from “{title}”, "
            "which now counts {total}.",
            outcome.dropped,
            server=server,
            title=title,
            total=outcome.petition.total,
        )
    if outcome.side is DropSide.OWNER:
        return tr.t(
            "Noted. The signatures from {server} are dropped from “{title}” once an organizer "
            "of that server agrees too, with /petition drop-partner {code}.",
            server=server,
            title=title,
            code=outcome.petition.code,
        )
    return tr.t(
        "Noted. Your server's signatures are dropped from “{title}” once an organizer of the "
        "owning server agrees too.",
        title=title,
    )


def standings_embed(tr: Localizer, standings: Standings, names: Mapping[int, str]) -> discord.Embed:
    petition = standings.petition
    embed = discord.Embed(
        title=trim(tr.t("Signatures per server: {title}", title=petition.title), 256),
        colour=COLOUR,
    )
    lines = []
    for ranked in standings.servers[:20]:
        group = ranked.group
        if group.team_id is None:
            label = tr.t("Other servers")
            lines.append(f"· {label} — {tr.number(group.value)}")
            continue
        label = server_name(tr, names, group.team_id)
        if group.team_id == petition.guild_id:
            label = tr.t("{server} (owner)", server=label)
        elif standings.statuses.get(group.team_id) is PartnerStatus.REMOVED:
            label = tr.t("{server} (removed)", server=label)
        elif standings.statuses.get(group.team_id) is PartnerStatus.LEFT:
            label = tr.t("{server} (left)", server=label)
        if group.team_id == standings.viewer_guild_id:
            label = f"**{label}**"
        lines.append(f"{ranked.rank}. {label} — {tr.number(group.value)}")
    if standings.elsewhere:
        lines.append(tr.t("Outside Discord — {count}", count=standings.elsewhere))
    embed.description = "\n".join(lines) or tr.t("No signatures yet.")
    embed.set_footer(text=" ".join(standings_notes(tr, standings)))
    return embed


def standings_notes(tr: Localizer, standings: Standings) -> list[str]:
    """The footer of every per-server view (`/petition partners`, the servers leaderboard)."""
    notes = [tr.t("Total {total}.", total=standings.petition.total)]
    if standings.min_group > 1:
        notes.append(
            tr.tn(
                "Servers with fewer than {count} signature are counted together as “other”.",
                "Servers with fewer than {count} signatures are counted together as “other”.",
                standings.min_group,
            )
        )
    notes.append(tr.t("Only counts are shared between servers, never who signed."))
    return notes
