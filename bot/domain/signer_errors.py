"""Errors of the signers area: records, linking, imports and exports. Member-safe messages only.

No message here ever carries a signer's personal data: an email address, a name or a postal code
is never a parameter.
"""

from __future__ import annotations

from bot.domain.errors import RallyError
from bot.i18n import N_


class SealingOff(RallyError):
    message = N_(
        "Rally collects no personal details here: the bot's operator has not set the "
        "organization's public key (RALLY_PUBLIC_KEY), so names and addresses could not be kept "
        "safe. Your signatures still count."
    )


class HashKeyMissing(RallyError):
    message = N_(
        "This needs the bot's hash key (RALLY_HASH_KEY), which Rally uses to recognise a person "
        "without storing who they are. Ask the bot's operator to set it."
    )


class LinkCodeWrong(RallyError):
    message = N_("That code is not right. Tries left: {tries}.")


class LinkCodeExpired(RallyError):
    message = N_("That code has expired (codes last 15 minutes). Ask for a new one with /me link.")


class LinkTooManyTries(RallyError):
    message = N_("Too many wrong codes. Ask for a new one with /me link.")


class LinkRateLimited(RallyError):
    message = N_("You asked for several codes already. Try again in {minutes} minutes.")


class NoLinkPending(RallyError):
    message = N_("No code is waiting for you. Start with /me link.")


class RecordLinkedElsewhere(RallyError):
    message = N_(
        "That record is already linked to another Discord member, so Rally did not link it. "
        "If it is yours, ask an organizer."
    )


class AlreadyLinked(RallyError):
    message = N_("That record is already yours: there was nothing to link.")


class ClaimPending(RallyError):
    message = N_("You already have a claim waiting for the organizers. They will review it soon.")


class ClaimNotFound(RallyError):
    message = N_("There is no claim #{claim} in this server.")


class ClaimReviewed(RallyError):
    message = N_("Claim #{claim} was already reviewed.")


class MailFailed(RallyError):
    message = N_("Rally could not send the email just now. Nothing was changed; try again later.")


class ImportTooLarge(RallyError):
    message = N_("The file is too large: the limit is {limit} bytes. Split it into smaller files.")


class ImportEmpty(RallyError):
    message = N_("The file is empty: there is no header row and no signer in it.")


class ImportNoRows(RallyError):
    message = N_("The file has a header row but no signer rows.")


class ImportNotText(RallyError):
    message = N_(
        "The file is not a CSV text file in UTF-8 or Windows-1251. In your spreadsheet choose "
        "Save as → CSV UTF-8 and upload that."
    )


class ImportMissingColumns(RallyError):
    message = N_(
        "The file lacks a column Rally needs: {missing}. Headers found: {found}. Name the "
        "columns like first_name, last_name (or name), email, zip_code, phone, date, referral."
    )


class ImportRunning(RallyError):
    message = N_("An import into this petition is already running. Wait for its summary.")


class ImportFailed(RallyError):
    message = N_(
        "The import stopped before counting anything: {reason}. No signature was counted; "
        "fix the file and import it again."
    )
