"""Coalitions: one petition, many servers. Join codes, partner states, and the errors a member
or organizer is told. Plain Python: no discord, no I/O.

- A join code is 12 letters and digits from an alphabet without look-alikes (≈ 60 bits),
  drawn with `secrets`: unguessable through Discord's command rate. It is typed with or without
  its dashes, in any case.
- A partner is `following` (its members show and sign), `left` (it unfollowed) or `removed` (by
  the owner). Signatures of a partner that is no longer following stay counted unless organizers
  of both servers agree to drop them.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from enum import StrEnum

from bot.domain.errors import RallyError
from bot.domain.leaderboards import GroupTotal, RankedGroup, fold_small_groups
from bot.i18n import N_

JOIN_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
JOIN_GROUPS = 3
JOIN_GROUP_LENGTH = 4
_JOIN_PATTERN = re.compile(rf"^[{JOIN_ALPHABET}]{{{JOIN_GROUPS * JOIN_GROUP_LENGTH}}}$")


def new_join_code() -> str:
    """A fresh join code such as 'K7QX-M2PA-9RTE'."""
    letters = "".join(secrets.choice(JOIN_ALPHABET) for _ in range(JOIN_GROUPS * JOIN_GROUP_LENGTH))
    return "-".join(
        letters[i : i + JOIN_GROUP_LENGTH] for i in range(0, len(letters), JOIN_GROUP_LENGTH)
    )


def normalize_join_code(raw: str) -> str | None:
    """A join code as typed (any case, spaces or dashes) → canonical; None when it cannot be one."""
    letters = "".join(ch for ch in raw.upper() if ch not in " -\t")
    if not _JOIN_PATTERN.match(letters):
        return None
    return "-".join(
        letters[i : i + JOIN_GROUP_LENGTH] for i in range(0, len(letters), JOIN_GROUP_LENGTH)
    )


class PartnerStatus(StrEnum):
    FOLLOWING = "following"
    LEFT = "left"
    REMOVED = "removed"


class DropSide(StrEnum):
    OWNER = "owner"
    PARTNER = "partner"


@dataclass(frozen=True, slots=True)
class Partner:
    petition_id: int
    guild_id: int
    status: PartnerStatus
    owner_agreed: bool
    partner_agreed: bool
    dropped: bool


@dataclass(frozen=True, slots=True)
class Contribution:
    """Counted signatures a server brought to a petition (its members' names never leave it)."""

    guild_id: int
    signatures: int
    owner: bool
    status: PartnerStatus | None  # None for the owning server


def rank_servers(contributions: list[Contribution], minimum: int) -> list[RankedGroup]:
    """Servers ranked by signatures (ties share a rank); servers with fewer than `minimum`
    signatures fold into one "other" row, as small teams do: a server of two signers is not
    singled out, not even to organizers. `GroupTotal.team_id` carries the server id."""
    groups = [
        GroupTotal(c.guild_id, str(c.guild_id), c.signatures, c.signatures, 0, c.signatures)
        for c in contributions
        if c.signatures > 0
    ]
    return fold_small_groups(groups, minimum)


class CoalitionNotFound(RallyError):
    message = N_(
        "No petition open to partners matches that code and join code. Ask the petition's "
        "organizers for both."
    )


class OwnPetition(RallyError):
    message = N_("“{title}” belongs to this server already: there is nothing to follow.")


class AlreadyFollowing(RallyError):
    message = N_("This server already follows “{title}”.")


class RemovedPartner(RallyError):
    message = N_(
        "The organizers of “{title}” removed this server from its partners; it cannot follow "
        "it again."
    )


class NotFollowing(RallyError):
    message = N_("This server does not follow a petition with the code {code}.")


class NotAPartner(RallyError):
    message = N_("That server is not a partner of “{title}”.")


class StillFollowing(RallyError):
    message = N_(
        "That server still follows “{title}”: remove it first. Signatures of a following server "
        "are never dropped."
    )


class AlreadyDropped(RallyError):
    message = N_("The signatures that server brought to “{title}” were already dropped.")


class NotShared(RallyError):
    message = N_("“{title}” is no longer shared with this server.")
