"""Drive errors: what a member is told when a drive, team, code or log cannot be used."""

from __future__ import annotations

from bot.domain.errors import InvalidInput, RallyError
from bot.i18n import N_


class DriveNotFound(RallyError):
    message = N_("There is no drive called “{name}” in this server. See /drive list.")


class NoRunningDrive(RallyError):
    message = N_("No drive is running in this server right now. Name the drive you mean.")


class SeveralDrives(RallyError):
    message = N_("Several drives are running here: name the one you mean.")


class DriveNameTaken(RallyError):
    message = N_("This server already has a drive called “{name}”. Choose another name.")


class DriveOverlaps(RallyError):
    message = N_(
        "The petition {code} already has the drive “{name}” at that time. A petition runs one "
        "drive at a time: end that one first or choose other dates."
    )


class DriveEnded(RallyError):
    message = N_("The drive “{name}” has ended.")


class DriveNotStarted(RallyError):
    message = N_("The drive “{name}” starts on {date}; its codes work from then.")


class BadTime(InvalidInput):
    message = N_(
        "“{text}” is not a time Rally understands. Write it like 2026-12-01 18:00 (in the "
        "server's time zone, {zone}) or like “in 3 days” or “in 2 hours”."
    )


class StartInPast(InvalidInput):
    message = N_(
        "The start ({start}) is in the past. Choose a later time, or leave it out to start now."
    )


class EndBeforeStart(InvalidInput):
    message = N_("The end ({end}) must come after the start ({start}).")


class EndInPast(InvalidInput):
    message = N_("The end ({end}) is in the past. Choose a later time.")


class DriveTooLong(InvalidInput):
    message = N_("A drive can last at most {days} days.")


class BadGoal(InvalidInput):
    message = N_("The drive's goal must be a whole number from 1 to {limit}.")


class ReferralNotFound(RallyError):
    message = N_("There is no referral code {code} in this server. Check it, or sign without it.")


class ReferralElsewhere(RallyError):
    message = N_(
        "The code {code} belongs to a drive for another petition, so it cannot be used here. "
        "Sign without it, or use a code from this petition's drive."
    )


class ReferralEnded(RallyError):
    message = N_("The code {code} belongs to the drive “{name}”, which has ended. Sign without it.")


class ReferralNotStarted(RallyError):
    message = N_(
        "The code {code} belongs to the drive “{name}”, which starts on {date}. Sign without it, "
        "or come back then."
    )


class SelfReferral(RallyError):
    message = N_("That is your own code: share it with others. Sign without it.")


class TeamNameTaken(RallyError):
    message = N_("The drive already has a team called “{name}”.")


class TeamNotFound(RallyError):
    message = N_("The drive “{drive}” has no team called “{name}”.")


class BadTeamName(InvalidInput):
    message = N_("A team name needs 1 to {limit} characters.")


class TooManyTeams(InvalidInput):
    message = N_("A drive can have at most {limit} teams.")


class NotJoined(RallyError):
    message = N_("You have not joined the drive “{name}” yet: use /drive join first.")


class NotInTeam(RallyError):
    message = N_("You are not in a team of the drive “{name}”.")


class BadLogCount(InvalidInput):
    message = N_(
        "A log must be a whole number from 1 to {cap} (the drive's cap). For more, log several "
        "sheets or ask an organizer to raise the cap."
    )


class LogNotFound(RallyError):
    message = N_("That log no longer exists.")


class LogReviewed(RallyError):
    message = N_("That log was already {status}.")


class RewardRoleRefused(RallyError):
    message = N_(
        "Rally cannot grant <@&{role}>: it needs the Manage Roles permission, and its own role "
        "must sit above that role. Nothing was changed."
    )
