"""GET /p/{code} (the public petition page), /p/{code}/widget (for an iframe), /p/{code}.json
(the figures), /p/{code}/card.png (the share card, for link previews) and /static/rally.css.

Every answer but the card carries a strong ETag of its body and `Cache-Control: no-cache`:
browsers and proxies keep it and ask again with If-None-Match, answered 304 from memory. The
petition comes from `PublicPageService.find` (an in-memory cache that changes drop at once, see
there); a render is kept per petition snapshot, so a viral link renders and reads the database
once per change, not once per visit. Unknown, deleted and unlisted petitions: a plain 404 page.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from bot.domain.errors import PetitionGone
from bot.services.public_pages import PublicPetition
from bot.web import render
from bot.web.app import CONTEXT

log = logging.getLogger(__name__)

ASSETS = web.AppKey("rally-page-assets", render.Assets)
RENDERS = web.AppKey("rally-page-renders", dict)
MAX_RENDERS = 4096

REVALIDATE = "public, no-cache"
CARD_CACHE = "public, max-age=300"
CSS_CACHE = "public, max-age=86400"
#: No scripts, nothing from elsewhere; only the widget may be framed (by any site, even a page
#: opened from a file, which `frame-ancestors *` would refuse: so the widget has no such rule).
PAGE_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'"
)
Body = tuple[bytes, str, str]  # body, content type, ETag


def _matches(request: web.Request, etag: str) -> bool:
    header = request.headers.get("If-None-Match")
    if not header:
        return False
    tags = {part.strip().removeprefix("W/") for part in header.split(",")}
    return "*" in tags or etag in tags


def _answer(
    request: web.Request,
    body: bytes,
    content_type: str,
    etag: str,
    *,
    cache: str = REVALIDATE,
    frame: bool = False,
) -> web.Response:
    headers = {
        "ETag": etag,
        "Cache-Control": cache,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }
    if content_type.startswith("text/html"):
        headers["Content-Security-Policy"] = PAGE_CSP
        if not frame:
            headers["Content-Security-Policy"] += "; frame-ancestors 'none'"
            headers["X-Frame-Options"] = "DENY"
    elif content_type == "application/json":
        # public figures: an organization's own site may read them from its pages' scripts
        headers["Access-Control-Allow-Origin"] = "*"
    if _matches(request, etag):
        return web.Response(status=304, headers=headers)
    headers["Content-Type"] = content_type
    return web.Response(body=body, headers=headers)


def _not_found(request: web.Request) -> web.Response:
    assets = request.app[ASSETS]
    language = render.preferred_language(request.headers.get("Accept-Language"))
    html = render.not_found(assets, language).encode()
    return web.Response(
        status=404,
        body=html,
        headers={
            "Content-Type": "text/html; charset=utf-8",
            "Cache-Control": "public, max-age=30",
            "Content-Security-Policy": PAGE_CSP,
            "X-Content-Type-Options": "nosniff",
        },
    )


def _base(request: web.Request) -> str:
    """Absolute addresses for links and og:image: WEB_PUBLIC_URL, else how we were reached."""
    base = request.app[CONTEXT].services.public_pages.base_url
    return base or str(request.url.origin())


async def _cached(
    request: web.Request,
    page: PublicPetition,
    kind: str,
    make: Callable[[], Awaitable[tuple[bytes, str]]],
) -> Body:
    """The render of `kind` for this snapshot of the petition, made once per snapshot."""
    renders: dict[tuple[str, str, str], tuple[PublicPetition, Body]] = request.app[RENDERS]
    # the render holds absolute links: without WEB_PUBLIC_URL they follow the Host asked for,
    # so a request with a forged Host cannot put its links into everyone's copy
    key = (page.petition.code, kind, _base(request))
    kept = renders.get(key)
    if kept is not None and kept[0] is page:
        return kept[1]
    body, content_type = await make()
    made = (body, content_type, render.etag_of(body))
    renders.pop(key, None)
    renders[key] = (page, made)
    while len(renders) > MAX_RENDERS:
        renders.pop(next(iter(renders)))
    return made


def _handler(
    kind: str, make: Callable[[web.Request, PublicPetition], Awaitable[tuple[bytes, str]]]
) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handle(request: web.Request) -> web.Response:
        context = request.app[CONTEXT]
        try:
            page = await context.services.public_pages.find(request.match_info["code"])
            if page is None:
                return _not_found(request)
            found = page

            async def produce() -> tuple[bytes, str]:
                return await make(request, found)

            body, content_type, etag = await _cached(request, page, kind, produce)
        except PetitionGone:
            return _not_found(request)  # deleted while the card was being made
        except Exception:
            context.metrics.errors.labels("public_page").inc()
            log.exception("public page %s: reading or rendering the petition failed", kind)
            return web.Response(
                status=503, text="Please try again in a minute.", headers={"Retry-After": "60"}
            )
        if kind == "card":
            return _answer(request, body, content_type, etag, cache=CARD_CACHE)
        return _answer(request, body, content_type, etag, frame=kind == "widget")

    return handle


def _urls(request: web.Request, code: str) -> tuple[str, str]:
    page_url = f"{_base(request)}/p/{code}"
    return page_url, f"{page_url}/card.png"


async def _page(request: web.Request, page: PublicPetition) -> tuple[bytes, str]:
    page_url, card_url = _urls(request, page.petition.code)
    html = render.petition_page(request.app[ASSETS], page, page_url=page_url, card_url=card_url)
    return html.encode(), "text/html; charset=utf-8"


async def _widget(request: web.Request, page: PublicPetition) -> tuple[bytes, str]:
    page_url, _ = _urls(request, page.petition.code)
    html = render.widget(request.app[ASSETS], page, page_url=page_url)
    return html.encode(), "text/html; charset=utf-8"


async def _json(request: web.Request, page: PublicPetition) -> tuple[bytes, str]:
    page_url, _ = _urls(request, page.petition.code)
    data: dict[str, Any] = render.figures(page, page_url=page_url)
    return json.dumps(data, ensure_ascii=False).encode(), "application/json"


async def _card(request: web.Request, page: PublicPetition) -> tuple[bytes, str]:
    # the card's QR code leads to this page (or the petition's own link): see ImageService
    card = await request.app[CONTEXT].services.images.card_by_id(page.petition.id)
    return card.data, "image/png"


async def unknown(request: web.Request) -> web.Response:
    return _not_found(request)


async def css(request: web.Request) -> web.Response:
    assets = request.app[ASSETS]
    return _answer(request, assets.css, "text/css; charset=utf-8", assets.css_etag, cache=CSS_CACHE)


async def _load(app: web.Application) -> None:
    app[ASSETS] = await asyncio.to_thread(render.load_assets)


def add_routes(app: web.Application) -> None:
    app[RENDERS] = {}
    app.on_startup.append(_load)
    code = "{code:[A-Za-z]{6}}"
    app.router.add_get(f"/p/{code}.json", _handler("json", _json))
    app.router.add_get(f"/p/{code}/widget", _handler("widget", _widget))
    app.router.add_get(f"/p/{code}/card.png", _handler("card", _card))
    app.router.add_get(f"/p/{code}", _handler("page", _page))
    app.router.add_get("/static/rally.css", css)
    app.router.add_get("/p/{anything:.*}", unknown)
