"""What every image says about a petition, in the petition's language: the shared wording."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.petitions import Petition
from bot.i18n import Localizer


@dataclass(frozen=True, slots=True)
class Sms:
    """An SMS keyword and number through which people can sign ("text sign PMFZYI to 50409")."""

    keyword: str
    number: str

    def message(self, code: str) -> str:
        return f"{self.keyword} {code}".strip()


def qr_target(petition: Petition, fallback_url: str | None) -> str | None:
    """Where the QR code leads: the petition's own link, else the fallback (server invite)."""
    return petition.link or fallback_url or None


def tell_line(tr: Localizer, petition: Petition) -> str:
    return tr.t("Tell {recipient}:", recipient=petition.recipient)


def sign_line(tr: Localizer, petition: Petition) -> str:
    return tr.t("Sign in Discord: /petition sign {code}", code=petition.code)


def sms_line(tr: Localizer, petition: Petition, sms: Sms) -> str:
    # The number is passed as text: a short code must not get a thousands separator.
    return tr.t("or text {words} to {number}", words=sms.message(petition.code), number=sms.number)


def progress_line(tr: Localizer, petition: Petition) -> str:
    """ "678 signers — help us get to 1,000" (or that the goal is reached, or it is closed)."""
    total = petition.total
    if not petition.is_open:
        return tr.tn(
            "{count} signer — this petition is closed",
            "{count} signers — this petition is closed",
            total,
        )
    if total >= petition.goal:
        return tr.tn(
            "{count} signer — we reached our goal!", "{count} signers — we reached our goal!", total
        )
    return tr.tn(
        "{count} signer — help us get to {goal}",
        "{count} signers — help us get to {goal}",
        total,
        goal=petition.goal,
    )


def scan_caption(tr: Localizer) -> str:
    return tr.t("Scan to sign")
