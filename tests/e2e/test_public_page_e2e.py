"""The public page from Discord's side: `/petition visibility` (organizers only, friendly
refusals that change nothing), and Share links and QR codes that lead to the page — or, with no
public web address or when unlisted, to the invite as before."""

from __future__ import annotations

import io
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import aiohttp
from PIL import Image

from bot.db import public_pages
from bot.sandbox.emulator import DiscordEmulator
from tests.e2e.conftest import World
from tests.e2e.rally_harness import Act, buttons, running_rally, text_of
from tests.e2e.test_petitions_e2e import counts
from tests.e2e.test_public_page_browser_e2e import rally_serving_pages
from tests.unit.test_images_card import decode_qr

INVITE = "https://discord.gg/belarus-tps"


async def share_links(act: Act, world: World, code: str) -> tuple[dict[str, str], list[str]]:
    """What a member gets from the Share button: link buttons by label, the card's QR text."""
    shown = (await act.run(world.anna, "petition show", {"code": code})).original
    assert shown is not None
    share_id = next(c for c, label in buttons(shown).items() if label == "Share")
    reply = (await act.click(world.anna, shown, share_id)).original
    assert reply is not None
    (card,) = reply.attachments
    assert Image.open(io.BytesIO(card.content)).size == (1200, 675)
    return {label: url for url, label in buttons(reply).items()}, decode_qr(card.content)


async def test_visibility_switch_and_where_shares_lead(
    emulator: DiscordEmulator, world: World, tmp_path: Path
) -> None:
    path = tmp_path / "r.db"
    async with (
        rally_serving_pages(emulator, path) as (bot, base),
        aiohttp.ClientSession() as http,
    ):
        act = Act(emulator, world.channel)
        await act.run(world.organizer, "setup configure", {"invite": INVITE})
        code = await act.create_petition(world.organizer)
        page = f"{base}/p/{code}"
        links, qr = await share_links(act, world, code)
        assert qr == [page]
        assert parse_qs(urlparse(links["Facebook"]).query)["u"] == [page]
        assert page in parse_qs(urlparse(links["X"]).query)["text"][0]
        # a member may not unlist it: a friendly ephemeral refusal, nothing changed
        before = await counts(path)
        refused = await act.run(
            world.anna, "petition visibility", {"code": code, "page": "unlisted"}
        )
        assert refused.ephemeral and "Only organizers can do that" in text_of(refused.original)
        assert await counts(path) == before
        async with http.get(page) as response:
            assert response.status == 200
        # an unknown code: a friendly ephemeral error, nothing changed
        unknown = await act.run(
            world.organizer, "petition visibility", {"code": "ZZZZZZ", "page": "unlisted"}
        )
        assert unknown.ephemeral
        assert "There is no petition with the code ZZZZZZ" in text_of(unknown.original)
        assert await counts(path) == before
        # the organizer unlists it: no page, shares lead to the invite again
        hidden = await act.run(
            world.organizer, "petition visibility", {"code": code, "page": "unlisted"}
        )
        assert hidden.ephemeral and f"*{code}* is unlisted" in text_of(hidden.original)
        async with bot.db.read() as conn:
            petition_id = int(
                await conn.fetchval("SELECT id FROM petitions WHERE code = ?", (code,))
            )
            assert await public_pages.is_unlisted(conn, petition_id)
        async with http.get(page) as response:
            assert response.status == 404
        links, qr = await share_links(act, world, code)
        assert qr == [INVITE]
        assert parse_qs(urlparse(links["Facebook"]).query)["u"] == [INVITE]
        # and back
        shown = await act.run(
            world.organizer, "petition visibility", {"code": code, "page": "public"}
        )
        assert shown.ephemeral and page in text_of(shown.original)
        async with http.get(page) as response:
            assert response.status == 200


async def test_without_a_public_address_shares_keep_the_invite(
    emulator: DiscordEmulator, world: World, tmp_path: Path
) -> None:
    # the web server runs, but WEB_PUBLIC_URL is not set: no public link to give out
    async with running_rally(emulator, tmp_path / "r.db", web_port=0) as bot:
        assert bot.web is not None
        act = Act(emulator, world.channel)
        await act.run(world.organizer, "setup configure", {"invite": INVITE})
        code = await act.create_petition(world.organizer)
        links, qr = await share_links(act, world, code)
        assert qr == [INVITE]
        assert parse_qs(urlparse(links["Facebook"]).query)["u"] == [INVITE]
        it = await act.run(world.organizer, "petition visibility", {"code": code, "page": "public"})
        assert it.ephemeral and "has no public address" in text_of(it.original)


async def test_a_purged_servers_pages_are_gone_at_once(
    emulator: DiscordEmulator, world: World, tmp_path: Path
) -> None:
    async with (
        rally_serving_pages(emulator, tmp_path / "r.db") as (_, base),
        aiohttp.ClientSession() as http,
    ):
        act = Act(emulator, world.channel)
        code = await act.create_petition(world.organizer)
        await act.run(world.anna, "petition sign", {"code": code})
        async with http.get(f"{base}/p/{code}") as response:
            assert response.status == 200  # and now in the page cache
        asked = await act.run(world.organizer, "admin purge")
        assert asked.original is not None
        go = next(k for k, v in buttons(asked.original).items() if v == "Delete all Rally data")
        modal = await act.click(world.organizer, asked.original, go)
        done = await emulator.submit_modal(
            world.organizer, modal, {"server_name": world.guild.name}
        )
        assert "deleted everything" in text_of(await done.response())
        for path in ("", "/widget", ".json"):
            async with http.get(f"{base}/p/{code}{path}") as response:
                assert response.status == 404, path
