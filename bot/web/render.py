"""The public pages' HTML and figures, from a `PublicPetition`: pure rendering, in the petition's
language. Jinja2 autoescapes every value (all petition text is organizer input); no page carries
a script. The templates and the CSS are read once, off the event loop (`load_assets`)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import resources
from typing import Any

from jinja2 import DictLoader, Environment, StrictUndefined

from bot.domain.petitions import Petition
from bot.i18n import LANGUAGES, SOURCE_LANGUAGE, Localizer, localizer
from bot.services.public_pages import PublicPetition
from bot.ui.images.content import sms_line

TEMPLATES = ("base.html", "petition.html", "widget.html", "bar.html", "not_found.html")
CSS_PATH = "/static/rally.css"
OG_LOCALES = {"en": "en_US", "be": "be_BY", "ru": "ru_RU", "uk": "uk_UA"}


@dataclass(frozen=True)
class Assets:
    env: Environment
    css: bytes
    css_etag: str

    @property
    def css_url(self) -> str:
        version = self.css_etag.strip('"')[:12]
        return f"{CSS_PATH}?v={version}"


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def load_assets() -> Assets:
    """Read and compile the templates and the CSS (blocking: call it in a thread)."""
    folder = resources.files("bot.web")
    texts = {name: (folder / "templates" / name).read_text(encoding="utf-8") for name in TEMPLATES}
    env = Environment(
        loader=DictLoader(texts),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    for name in TEMPLATES:
        env.get_template(name)  # compile now, not on the first request
    css = (folder / "static" / "rally.css").read_bytes()
    return Assets(env, css, etag_of(css))


def _progress(tr: Localizer, petition: Petition) -> dict[str, Any]:
    total, goal = petition.total, petition.goal
    return {
        "total": total,
        "goal": goal,
        "shown_total": min(total, goal),
        "bar_label": tr.t("{total} of {goal} signatures", total=total, goal=goal),
    }


def _goal_line(tr: Localizer, petition: Petition) -> str:
    if petition.total >= petition.goal:
        return tr.t("We reached our goal of {goal}!", goal=petition.goal)
    return tr.t("Help us get to {goal}", goal=petition.goal)


def petition_page(assets: Assets, page: PublicPetition, *, page_url: str, card_url: str) -> str:
    petition = page.petition
    tr = localizer(petition.language)
    recipient_line = tr.t("An open letter to {recipient}", recipient=petition.recipient)
    total_text = tr.tn("{count} signer", "{count} signers", petition.total)
    closed = None if petition.is_open else tr.t("This petition is closed.")
    sms = sms_line(tr, petition, page.sms) if page.sms else None
    return assets.env.get_template("petition.html").render(
        lang=tr.language,
        og_locale=OG_LOCALES.get(tr.language, "en_US"),
        css_url=assets.css_url,
        page_title=petition.title,
        title=petition.title,
        description=f"{recipient_line}. {total_text}. {_goal_line(tr, petition)}.",
        page_url=page_url,
        card_url=card_url,
        card_alt=tr.t("Share card of the petition “{title}”", title=petition.title),
        skip_label=tr.t("Skip to the letter"),
        organization=page.organization,
        recipient_line=recipient_line,
        total_text=total_text,
        goal_line=_goal_line(tr, petition),
        how_heading=tr.t("How to sign"),
        closed_line=closed,
        invite_url=page.invite_url,
        sign_label=tr.t("Sign in Discord"),
        how_line=tr.t(
            "Join our Discord server, then type /petition sign {code} in any channel.",
            code=petition.code,
        ),
        sms_line=sms[:1].upper() + sms[1:] + "." if sms else None,
        letter_heading=tr.t("The letter"),
        paragraphs=[part.strip() for part in petition.letter.split("\n\n") if part.strip()],
        privacy_line=tr.t("This page never shows who signed."),
        **_progress(tr, petition),
    )


def widget(assets: Assets, page: PublicPetition, *, page_url: str) -> str:
    petition = page.petition
    tr = localizer(petition.language)
    if petition.total >= petition.goal:
        help_line = tr.t("We reached our goal of {goal}!", goal=petition.goal)
    else:
        help_line = tr.tn(
            "Help us get to {count} signer!", "Help us get to {count} signers!", petition.goal
        )
    return assets.env.get_template("widget.html").render(
        lang=tr.language,
        css_url=assets.css_url,
        page_title=petition.title,
        so_far=tr.t("{total} so far!", total=petition.total),
        help_line=help_line,
        page_url=page_url,
        open_label=tr.t("Sign the petition"),
        **_progress(tr, petition),
    )


def figures(page: PublicPetition, *, page_url: str) -> dict[str, Any]:
    """The figures of /p/{code}.json: counts only, nothing about any signer."""
    petition = page.petition
    return {
        "code": petition.code,
        "title": petition.title,
        "url": page_url,
        "status": petition.status.value,
        "total": petition.total,
        "goal": petition.goal,
        "signatures": petition.signature_count,
        "external": petition.external_count,
        "days": [{"date": day.day.isoformat(), "count": day.count} for day in page.days],
    }


def preferred_language(accept_language: str | None) -> str:
    """The first of Rally's languages the browser asks for (Accept-Language), else English."""
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        base = tag.split("-")[0]
        if base in LANGUAGES:
            return base
    return SOURCE_LANGUAGE


def not_found(assets: Assets, language: str) -> str:
    tr = localizer(language)
    return assets.env.get_template("not_found.html").render(
        lang=tr.language,
        css_url=assets.css_url,
        page_title=tr.t("Petition not found"),
        heading=tr.t("Petition not found"),
        explanation=tr.t(
            "There is no public petition at this address: the link may be mistyped, or the "
            "petition was deleted or made unlisted by its organizers."
        ),
    )
