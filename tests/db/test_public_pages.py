"""The public petition pages over real HTTP (aiohttp on 127.0.0.1) on a real SQLite file: what
they show and never show, escaping, the 404s, ETag revalidation, the cache, JSON figures, the
card behind og:image, the page's language, and the organizers' unlisted switch."""

from __future__ import annotations

import asyncio
import io
import json
import re
from collections.abc import AsyncIterator
from html.parser import HTMLParser

import aiohttp
import pytest
import zxingcpp
from multidict import CIMultiDict
from PIL import Image

from bot.db import Database
from bot.domain.errors import NotAnOrganizer, PetitionNotFound
from bot.domain.petitions import Petition, Status, parse_draft
from bot.metrics import Metrics
from bot.services import Services
from bot.services.public_pages import PublicPageService
from bot.web.app import WebContext, WebServer
from tests.conftest import FakeClock, member, organizer

PUBLIC = "https://rally.example.org"
INVITE = "https://discord.gg/belarus"


class Meta(HTMLParser):
    """The <meta property/name=... content=...> tags and the <html lang>."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: dict[str, str] = {}
        self.lang = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "html":
            self.lang = found.get("lang") or ""
        if tag == "meta" and found.get("content") is not None:
            name = found.get("property") or found.get("name")
            if name:
                self.tags[name] = found["content"] or ""


def meta_of(html: str) -> Meta:
    parser = Meta()
    parser.feed(html)
    return parser


@pytest.fixture
async def server(db: Database, services: Services) -> AsyncIterator[WebServer]:
    services.public_pages.base_url = PUBLIC
    web = WebServer(WebContext(db, services, Metrics(), gateway_ok=lambda: True))
    await web.start()
    try:
        yield web
    finally:
        await web.stop()
        services.images.close()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def create(
    services: Services, *, title: str = "Designate Belarus for TPS", link: str = ""
) -> Petition:
    await services.guilds.update(organizer(), invite_url=INVITE, organization_name="Razam")
    draft = parse_draft(
        title=title,
        recipient="the President & U.S. Congress",
        letter="Dear President,\n\nPlease designate Belarus.",
        link=link,
        goal="1000",
    )
    return await services.petitions.create(organizer(), draft)


async def get(
    http: aiohttp.ClientSession, url: str, **headers: str
) -> tuple[int, str, CIMultiDict[str]]:
    async with http.get(url, headers=headers) as response:
        return response.status, await response.text(), response.headers.copy()


async def test_the_page_shows_the_petition_and_no_signer(
    server: WebServer, services: Services, http: aiohttp.ClientSession
) -> None:
    petition = await create(services)
    for user in range(10, 13):
        await services.petitions.sign(member(user), petition.id)
    await services.guilds.update(organizer(), sms_number="50409", sms_keyword="sign")
    services.public_pages.invalidate(petition.id)
    status, html, headers = await get(http, f"{server.url}/p/{petition.code}")
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert "Designate Belarus for TPS" in html
    assert "An open letter to the President &amp; U.S. Congress" in html
    assert 'data-total="3"' in html and "3 signers" in html
    assert "Help us get to 1,000" in html and 'data-goal="1000"' in html
    assert f'href="{INVITE}"' in html and "Razam" in html
    assert f"/petition sign {petition.code}" in html
    assert f"Or text sign {petition.code} to 50409." in html
    assert "<p>Please designate Belarus.</p>" in html
    # the author's and signers' names appear nowhere; no script at all
    assert "Org" not in html and "m10" not in html and "<script" not in html
    assert "script-src" not in headers["Content-Security-Policy"]
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    tags = meta_of(html).tags
    assert tags["og:title"] == "Designate Belarus for TPS"
    assert tags["og:image"] == f"{PUBLIC}/p/{petition.code}/card.png"
    assert tags["twitter:image"] == tags["og:image"]
    assert tags["twitter:card"] == "summary_large_image"
    assert tags["og:url"] == f"{PUBLIC}/p/{petition.code}"
    assert "3 signers" in tags["og:description"]
    # lower-case codes reach the same page
    lower, _, _ = await get(http, f"{server.url}/p/{petition.code.lower()}")
    assert lower == 200


async def test_organizer_text_is_escaped(
    server: WebServer, services: Services, http: aiohttp.ClientSession
) -> None:
    petition = await create(services, title='<script>alert("x")</script> & "quotes"')
    for path in ("", "/widget"):
        _, html, _ = await get(http, f"{server.url}/p/{petition.code}{path}")
        assert "<script>" not in html
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#34;quotes&#34;" in html
    _, html, _ = await get(http, f"{server.url}/p/{petition.code}")
    assert meta_of(html).tags["og:title"] == '<script>alert("x")</script> & "quotes"'


async def test_unknown_deleted_and_unlisted_petitions_are_a_plain_404(
    server: WebServer, services: Services, http: aiohttp.ClientSession
) -> None:
    deleted = await create(services, title="Gone")
    await services.petitions.delete(organizer(), deleted.id)
    unlisted = await create(services, title="Hidden")
    await services.public_pages.set_unlisted(organizer(), unlisted.code, True)
    for code in ("ZZZZZZ", "AB", deleted.code, unlisted.code):
        for path in ("", "/widget", ".json", "/card.png"):
            status, html, headers = await get(http, f"{server.url}/p/{code}{path}")
            assert status == 404, (code, path)
            assert headers["Content-Type"].startswith("text/html")
            assert "Petition not found" in html and "Gone" not in html and "Hidden" not in html
    # in the browser's language when Rally speaks it
    _, html, _ = await get(http, f"{server.url}/p/ZZZZZZ", **{"Accept-Language": "uk,en;q=0.5"})
    assert 'lang="uk"' in html and "Петицію не знайдено" in html


async def test_unlisting_is_for_organizers_and_can_be_undone(
    server: WebServer, services: Services, http: aiohttp.ClientSession
) -> None:
    petition = await create(services)
    url = f"{server.url}/p/{petition.code}"
    assert (await get(http, url))[0] == 200  # cached now
    with pytest.raises(NotAnOrganizer):
        await services.public_pages.set_unlisted(member(5), petition.code, True)
    with pytest.raises(PetitionNotFound):
        await services.public_pages.set_unlisted(organizer(), "ZZZZZZ", True)
    assert (await get(http, url))[0] == 200
    hidden = await services.public_pages.set_unlisted(organizer(), petition.code, True)
    assert hidden.unlisted and hidden.url is None
    assert (await get(http, url))[0] == 404  # at once, despite the cache
    assert await services.public_pages.share_url(petition) is None
    shown = await services.public_pages.set_unlisted(organizer(), petition.code.lower(), False)
    assert shown.url == f"{PUBLIC}/p/{petition.code}"
    assert (await get(http, url))[0] == 200


async def test_etag_revalidation_and_the_cache_spare_the_database(
    server: WebServer, services: Services, http: aiohttp.ClientSession
) -> None:
    petition = await create(services)
    pages = services.public_pages
    url = f"{server.url}/p/{petition.code}"
    status, _, headers = await get(http, url)
    assert status == 200 and re.fullmatch(r'"[0-9a-f]{32}"', headers["ETag"])
    assert headers["Cache-Control"] == "public, no-cache"
    loads = pages.loads
    for _ in range(50):
        again, body, same = await get(http, url, **{"If-None-Match": headers["ETag"]})
        assert (again, body, same["ETag"]) == (304, "", headers["ETag"])
    for _ in range(20):
        assert (await get(http, url))[0] == 200
    assert pages.loads == loads  # 70 visits, not one database read
    # a signature changes the page: a new ETag and the full page again
    await services.petitions.sign(member(20), petition.id)
    pages.invalidate(petition.id)
    status, html, changed = await get(http, url, **{"If-None-Match": headers["ETag"]})
    assert status == 200 and changed["ETag"] != headers["ETag"] and 'data-total="1"' in html
    assert pages.loads == loads + 1


async def test_figures_are_counts_per_day_and_nothing_personal(
    server: WebServer, services: Services, clock: FakeClock, http: aiohttp.ClientSession
) -> None:
    petition = await create(services)
    first_day = clock().date()
    for user in range(1, 4):
        await services.petitions.sign(member(user), petition.id)
    clock.advance(days=2)
    for user in range(4, 6):
        await services.petitions.sign(member(user), petition.id)
    await services.petitions.set_external(organizer(), petition.code, 10)
    services.public_pages.invalidate(petition.id)
    async with http.get(f"{server.url}/p/{petition.code}.json") as response:
        assert response.status == 200 and response.content_type == "application/json"
        assert response.headers["ETag"]
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        data = await response.json()
    assert data == {
        "code": petition.code,
        "title": petition.title,
        "url": f"{PUBLIC}/p/{petition.code}",
        "status": "open",
        "total": 15,
        "goal": 1000,
        "signatures": 5,
        "external": 10,
        "days": [
            {"date": first_day.isoformat(), "count": 3},
            {"date": clock().date().isoformat(), "count": 2},
        ],
    }
    assert "m1" not in json.dumps(data) and "Org" not in json.dumps(data)


async def test_the_card_loads_and_its_qr_code_leads_to_the_page(
    server: WebServer, services: Services, http: aiohttp.ClientSession
) -> None:
    petition = await create(services)
    async with http.get(f"{server.url}/p/{petition.code}/card.png") as response:
        assert response.status == 200 and response.content_type == "image/png"
        assert "max-age=300" in response.headers["Cache-Control"]
        png = await response.read()
    image = Image.open(io.BytesIO(png))
    assert image.size == (1200, 675)
    codes = [code.text for code in zxingcpp.read_barcodes(image)]
    assert codes == [f"{PUBLIC}/p/{petition.code}"]
    # a petition with its own link keeps it in the QR code
    linked = await create(services, title="Linked", link="https://example.org/sign")
    async with http.get(f"{server.url}/p/{linked.code}/card.png") as response:
        png = await response.read()
    assert [c.text for c in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))] == [
        "https://example.org/sign"
    ]


async def test_the_page_speaks_the_petitions_language(
    server: WebServer, services: Services, http: aiohttp.ClientSession
) -> None:
    await services.guilds.update(organizer(), language="be")
    petition = await create(services, title="Прызнаць Беларусь")
    await services.petitions.sign(member(3), petition.id)
    services.public_pages.invalidate(petition.id)
    _, html, _ = await get(http, f"{server.url}/p/{petition.code}")
    assert meta_of(html).lang == "be"
    assert "Прызнаць Беларусь" in html and "Як падпісаць" in html
    _, widget, _ = await get(http, f"{server.url}/p/{petition.code}/widget")
    assert 'lang="be"' in widget and "Ужо 1!" in widget


async def test_closed_petitions_say_so_and_offer_no_sign_button(
    server: WebServer, services: Services, http: aiohttp.ClientSession
) -> None:
    petition = await create(services)
    await services.petitions.set_status(organizer(), petition.code, Status.CLOSED)
    services.public_pages.invalidate(petition.id)
    _, html, _ = await get(http, f"{server.url}/p/{petition.code}")
    assert "This petition is closed." in html and 'id="sign-in-discord"' not in html


async def test_the_widget_may_be_framed_and_the_page_may_not(
    server: WebServer, services: Services, http: aiohttp.ClientSession
) -> None:
    petition = await create(services)
    _, widget, headers = await get(http, f"{server.url}/p/{petition.code}/widget")
    assert "frame-ancestors" not in headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in headers
    assert "0 so far!" in widget and "Help us get to 1,000 signers!" in widget
    assert f'href="{PUBLIC}/p/{petition.code}"' in widget
    _, _, page_headers = await get(http, f"{server.url}/p/{petition.code}")
    assert page_headers["X-Frame-Options"] == "DENY"
    status, css, css_headers = await get(http, f"{server.url}/static/rally.css")
    assert status == 200 and "progress.bar" in css and css_headers["ETag"]


async def test_share_links_lead_to_the_page_only_with_a_public_url(
    db: Database, services: Services
) -> None:
    petition = await create(services)
    pages = services.public_pages
    assert await pages.share_url(petition) is None  # no web server configured: the invite
    pages.base_url = PUBLIC
    assert await pages.share_url(petition) == f"{PUBLIC}/p/{petition.code}"


async def test_a_forged_host_does_not_reach_other_visitors(
    server: WebServer, services: Services, http: aiohttp.ClientSession
) -> None:
    services.public_pages.base_url = None  # no WEB_PUBLIC_URL: links follow the Host header
    petition = await create(services)
    url = f"{server.url}/p/{petition.code}"
    _, forged, _ = await get(http, url, Host="evil.example")
    assert "http://evil.example/p/" in forged
    _, html, _ = await get(http, url)
    assert "evil.example" not in html
    assert meta_of(html).tags["og:image"] == f"{server.url}/p/{petition.code}/card.png"


async def test_a_burst_reads_the_database_once_and_the_ttl_bounds_staleness(
    db: Database, services: Services
) -> None:
    now = [1000.0]
    pages = PublicPageService(db, ttl=30.0, monotonic=lambda: now[0])
    petition = await create(services)
    found = await asyncio.gather(*(pages.find(petition.code) for _ in range(200)))
    assert pages.loads == 1 and all(page is found[0] for page in found)
    assert found[0] is not None and found[0].petition.total == 0
    # a change Rally is not told about (here: a signature written behind the cache's back)
    await services.petitions.sign(member(7), petition.id)
    now[0] += 29
    assert (await pages.find(petition.code)) is found[0]
    now[0] += 2
    fresh = await pages.find(petition.code)
    assert pages.loads == 2 and fresh is not None and fresh.petition.total == 1
    # unknown codes are remembered too, within a bounded cache
    small = PublicPageService(db, max_entries=3, monotonic=lambda: now[0])
    for code in ("ZZZZZZ", "ZZZZZY", "ZZZZZX", "ZZZZZW", "ZZZZZZ"):
        assert await small.find(code) is None
    assert small.loads == 5  # ZZZZZZ was pushed out by the fourth, so it is read again
    assert await small.find("ZZZZZW") is None and small.loads == 5
