"""Abuse limits: per-member cooldowns, and which signatures are held for an organizer's review.

A signature is held ("pending review", not counted) when the member's Discord account is younger
than `new_account_age`, or when it is part of a burst: more than `burst_count` signatures on one
petition from accounts younger than `burst_account_age` within `burst_window`. A Discord id says
when its account was created (a snowflake), so no API call is needed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from bot.domain.errors import RallyError
from bot.i18n import N_

DISCORD_EPOCH_MS = 1_420_070_400_000


def account_created_at(user_id: int) -> datetime:
    """When a Discord account was created, read from its id (a snowflake)."""
    return datetime.fromtimestamp(((user_id >> 22) + DISCORD_EPOCH_MS) / 1000, UTC)


def snowflake_floor(at: datetime) -> int:
    """The smallest Discord id of an account created at or after `at`."""
    return max(0, int(at.timestamp() * 1000) - DISCORD_EPOCH_MS) << 22


class HoldReason(StrEnum):
    NEW_ACCOUNT = "new_account"
    BURST = "burst"


class Action(StrEnum):
    SIGN = "sign"
    LINK = "link"
    CODE = "code"


@dataclass(frozen=True, slots=True)
class AbuseLimits:
    """The limits, from the settings (see README "Abuse limits"). Zero turns a rule off."""

    new_account_age: timedelta = timedelta(days=3)
    burst_account_age: timedelta = timedelta(days=30)
    burst_count: int = 5
    burst_window: timedelta = timedelta(minutes=10)
    sign_cooldown: float = 5.0
    link_cooldown: float = 30.0
    code_cooldown: float = 5.0

    def cooldown(self, action: Action) -> float:
        return {
            Action.SIGN: self.sign_cooldown,
            Action.LINK: self.link_cooldown,
            Action.CODE: self.code_cooldown,
        }[action]

    def is_new(self, user_id: int, now: datetime) -> bool:
        """Younger than the new-account age (rule on; an id from "the future" counts as new)."""
        age = self.new_account_age
        return age > timedelta(0) and now - account_created_at(user_id) < age

    def is_young(self, user_id: int, now: datetime) -> bool:
        """Young enough to count towards a burst (burst rule on)."""
        age = self.burst_account_age
        return (
            self.burst_count > 0 and age > timedelta(0) and now - account_created_at(user_id) < age
        )

    def burst_floor(self, now: datetime) -> int:
        """Accounts with an id at or above this one are young enough to count towards a burst."""
        return snowflake_floor(now - self.burst_account_age)


def hold_reason(
    limits: AbuseLimits, user_id: int, now: datetime, young_recent: int | None
) -> HoldReason | None:
    """Why this signature is held, or None to count it. `young_recent`: how many signatures of
    young accounts the petition took within the burst window (None when not looked up)."""
    if limits.is_new(user_id, now):
        return HoldReason.NEW_ACCOUNT
    if young_recent is not None and young_recent >= limits.burst_count:
        return HoldReason.BURST
    return None


class CoolingDown(RallyError):
    message = N_("Slow down a little: try again in {seconds} seconds.")


class AwaitingReview(RallyError):
    message = N_(
        "Your signature on “{title}” is still waiting for a quick check by the organizers; it "
        "will count as soon as they confirm it."
    )


class NotCounted(RallyError):
    message = N_(
        "The organizers reviewed your signature on “{title}” and did not count it. If you think "
        "this is a mistake, please talk to them."
    )


class NotPending(RallyError):
    message = N_("This signature is no longer waiting for review.")
