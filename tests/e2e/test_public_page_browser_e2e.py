"""The public petition page in a real headless Chromium, served by the running bot (web server on
127.0.0.1) while members sign through the Discord emulator: the count, the goal and the invite
in the DOM, screenshots at 375 px and 1280 px, the widget (also inside an iframe) updating after
a new signature, and the Open Graph image loading as the share card."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from bot.client import RallyBot
from bot.sandbox.emulator import DiscordEmulator
from tests.e2e import browser as browser_module
from tests.e2e.browser import Browser, artifacts_dir, open_browser
from tests.e2e.conftest import World
from tests.e2e.rally_harness import Act, running_rally, text_of

INVITE = "https://discord.gg/belarus-tps"
LETTER = "Dear President,\n\nWe, Belarusians abroad, ask you to designate Belarus for TPS."


CONTRAST = """
const rgb = (c) => c.match(/[0-9.]+/g).slice(0, 3).map(Number);
const lum = (c) => {
  const [r, g, b] = rgb(c).map((v) => {
    v /= 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
};
const ratio = (a, b) => (Math.max(lum(a), lum(b)) + 0.05) / (Math.min(lum(a), lum(b)) + 0.05);
const backdrop = (el) => {
  for (; el; el = el.parentElement) {
    const bg = getComputedStyle(el).backgroundColor;
    if (bg !== "rgba(0, 0, 0, 0)" && bg !== "transparent") return bg;
  }
  return "rgb(255, 255, 255)";
};
return Math.min(...[...document.querySelectorAll(arguments[0])].map(
  (el) => ratio(getComputedStyle(el).color, backdrop(el))));
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@asynccontextmanager
async def rally_serving_pages(
    emu: DiscordEmulator, path: Path
) -> AsyncIterator[tuple[RallyBot, str]]:
    """Rally with its web server on 127.0.0.1, WEB_PUBLIC_URL = where it listens."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    async with running_rally(emu, path, web_port=port, web_public_url=base) as bot:
        assert bot.web is not None and bot.web.url == base
        yield bot, base


async def sign(act: Act, world: World, member_name: str, code: str) -> None:
    member = {"anna": world.anna, "ben": world.ben, "olga": world.organizer}[member_name]
    it = await act.run(member, "petition sign", {"code": code})
    assert it.ephemeral and "You're signer #" in text_of(it.original), text_of(it.original)


async def in_browser(browser: Browser, step: str, *args: object) -> object:
    return await asyncio.to_thread(getattr(browser, step), *args)


async def test_the_public_page_in_chromium(
    emulator: DiscordEmulator, world: World, tmp_path: Path
) -> None:
    shots = artifacts_dir()
    async with rally_serving_pages(emulator, tmp_path / "r.db") as (_, base):
        act = Act(emulator, world.channel)
        await act.run(
            world.organizer, "setup configure", {"invite": INVITE, "organization": "Razam"}
        )
        code = await act.create_petition(
            world.organizer, title="Designate Belarus for TPS", goal="1000", letter=LETTER
        )
        await sign(act, world, "anna", code)
        page = f"{base}/p/{code}"
        with open_browser() as browser:
            await in_browser(browser, "viewport", 1280, 800)
            await in_browser(browser, "open", page)
            assert await in_browser(browser, "text", "h1") == "Designate Belarus for TPS"
            assert await in_browser(browser, "attribute", "#total", "data-total") == "1"
            assert await in_browser(browser, "text", "#total") == "1 signer"
            assert await in_browser(browser, "text", "#goal") == "Help us get to 1,000"
            assert await in_browser(browser, "attribute", "#sign-in-discord", "href") == INVITE
            assert await in_browser(browser, "text", "#sign-in-discord") == "Sign in Discord"
            assert await in_browser(browser, "attribute", "#bar", "value") == "1"
            assert await in_browser(browser, "attribute", "#bar", "max") == "1000"
            assert await in_browser(browser, "text", "#organization") == "RAZAM"  # CSS capitals
            landmarks = await in_browser(
                browser,
                "run",
                "return [document.querySelectorAll('main').length,"
                " document.querySelectorAll('header').length,"
                " document.querySelectorAll('footer').length, document.documentElement.lang]",
            )
            assert landmarks == [1, 1, 1, "en"]
            # every piece of text has at least WCAG AA contrast (4.5:1) against its background
            texts = "h1, h2, p, strong, a, .organization, .recipient, .footer p"
            assert await in_browser(browser, "run", CONTRAST, texts) >= 4.5
            # the Open Graph image is the share card, and it loads
            og_image = await in_browser(
                browser,
                "run",
                "return document.querySelector('meta[property=\"og:image\"]').content",
            )
            assert og_image == f"{page}/card.png"
            await in_browser(browser, "open", og_image)
            size = await in_browser(
                browser,
                "run",
                "const i = document.images[0];"
                " return i && i.complete && [i.naturalWidth, i.naturalHeight]",
            )
            assert size == [1200, 675]
            # screenshots: the page fits the narrowest phones (no sideways scrolling) and a desktop
            for width in (320, 375, 1280):
                path = shots / f"petition-{width}px.png"
                sizes = await in_browser(browser, "screenshot", page, width, path)
                assert isinstance(sizes, dict)
                assert sizes["scrollWidth"] <= width, (width, sizes)
                assert path.stat().st_size > 10_000
                print(f"screenshot at {width} px: {path}")
            # the widget, alone and inside an iframe on someone else's page, follows signatures
            widget = f"{page}/widget"
            await in_browser(browser, "viewport", 360, 200)
            await in_browser(browser, "open", widget)
            assert await in_browser(browser, "text", "#total") == "1 so far!"
            assert await in_browser(browser, "text", "#goal") == "Help us get to 1,000 signers!"
            host = tmp_path / "host.html"
            host.write_text(
                f'<!doctype html><title>Our site</title><iframe id="rally" src="{widget}" '
                'width="360" height="190" style="border:0" title="Petition"></iframe>',
                encoding="utf-8",
            )
            await sign(act, world, "ben", code)
            deadline = time.monotonic() + 10
            shown = ""
            while time.monotonic() < deadline:
                await in_browser(browser, "open", widget)
                shown = str(await in_browser(browser, "text", "#total"))
                if shown == "2 so far!":
                    break
                await asyncio.sleep(0.2)
            assert shown == "2 so far!"
            await in_browser(browser, "viewport", 800, 400)
            await in_browser(browser, "open", host.as_uri())
            await in_browser(browser, "switch_to_frame", "#rally")
            assert await in_browser(browser, "text", "#total") == "2 so far!"
            link = await in_browser(browser, "attribute", "#widget-link", "href")
            assert link == page
            await in_browser(browser, "switch_back")
            framed = shots / "widget-in-iframe.png"
            await in_browser(browser, "screenshot", host.as_uri(), 800, framed)
            print(f"widget screenshot: {framed}")


async def test_a_cyrillic_page_in_chromium(
    emulator: DiscordEmulator, world: World, tmp_path: Path
) -> None:
    async with rally_serving_pages(emulator, tmp_path / "r.db") as (_, base):
        act = Act(emulator, world.channel)
        await act.run(world.organizer, "setup configure", {"language": "be", "invite": INVITE})
        code = await act.create_petition(
            world.organizer,
            title="Прызнаць Беларусь краінай часовай абароны",
            recipient="Прэзідэнта і Кангрэса ЗША",
            letter="Паважаны спадар Прэзідэнт,\n\nМы, беларусы за мяжой, просім вас.",
            goal="100",
        )
        with open_browser() as browser:
            path = artifacts_dir() / "petition-be-375px.png"
            await in_browser(browser, "screenshot", f"{base}/p/{code}", 375, path)
            print(f"Belarusian page at 375 px: {path}")
            assert await in_browser(browser, "run", "return document.documentElement.lang") == "be"
            assert (
                await in_browser(browser, "text", "h1")
                == "Прызнаць Беларусь краінай часовай абароны"
            )
            assert await in_browser(browser, "text", "#how-heading") == "Як падпісаць"
            assert await in_browser(browser, "text", "#goal") == "Дапамажыце нам дайсці да 100"
            # the glyphs render: the title's Cyrillic takes real width, not missing-glyph boxes
            widths = await in_browser(
                browser,
                "run",
                "const c = document.createElement('canvas').getContext('2d');"
                " c.font = getComputedStyle(document.querySelector('h1')).font;"
                " return [c.measureText('Беларусь').width, c.measureText('\\u0378\\u0378\\u0378"
                "\\u0378\\u0378\\u0378\\u0378\\u0378').width]",
            )
            assert isinstance(widths, list) and widths[0] > 0 and widths[0] != widths[1], widths


def test_without_chromium_the_browser_tests_fail_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(browser_module, "CHROMIUM", ("/nonexistent/chromium",))
    monkeypatch.setattr(browser_module, "CHROMEDRIVER", ("/nonexistent/chromedriver",))
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(pytest.fail.Exception) as failed, open_browser():
        raise AssertionError("must not get a browser")
    assert "NOT installed" in str(failed.value)
    assert "apt-get install -y chromium chromium-driver" in str(failed.value)
