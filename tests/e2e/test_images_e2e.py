"""Share card, flyer and chart as members get them in Discord."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from PIL import Image
from pypdf import PdfReader

from bot.sandbox.emulator import DiscordEmulator
from tests.e2e.conftest import World
from tests.e2e.rally_harness import Act, buttons, running_rally, text_of
from tests.unit.test_images_card import decode_qr

LINK = "https://example.org/tps-belarus?ref=discord&lang=be"


async def test_share_sends_the_card_links_and_text(
    emulator: DiscordEmulator, world: World, tmp_path: Path
) -> None:
    async with running_rally(emulator, tmp_path / "r.db"):
        act = Act(emulator, world.channel)
        code = await act.create_petition(
            world.organizer, title="Свабоду палітвязням & ўсім", link=LINK
        )
        page = (await act.run(world.anna, "petition show", {"code": code})).original
        assert page is not None
        shared = await act.click(world.anna, page, "rally:share:1")
        reply = shared.original
        assert shared.ephemeral and reply is not None
        (card,) = reply.attachments
        image = Image.open(io.BytesIO(card.content))
        assert image.size == (1200, 675)
        assert decode_qr(card.content) == [LINK]
        assert reply.embeds[0]["image"]["url"] == f"attachment://{card.filename}"
        links = {label: url for url, label in buttons(reply).items()}
        assert set(links) == {"X", "Facebook", "LinkedIn", "WhatsApp", "Telegram"}
        text = parse_qs(urlparse(links["X"]).query)["text"][0]
        assert "Свабоду палітвязням & ўсім" in text and f"/petition sign {code}" in text
        assert parse_qs(urlparse(links["Facebook"]).query)["u"] == [LINK]
        assert "mailto:?subject=" in text_of(reply) and "&body=" in text_of(reply)
        by_command = await act.run(world.ben, "petition share", {"code": code})
        assert by_command.original is not None and by_command.original.attachments


async def test_flyer_and_chart(emulator: DiscordEmulator, world: World, tmp_path: Path) -> None:
    async with running_rally(emulator, tmp_path / "r.db"):
        act = Act(emulator, world.channel)
        code = await act.create_petition(world.organizer, title="Designate Belarus for TPS")
        await act.run(world.anna, "petition sign", {"code": code})
        flyer = await emulator.run_command(
            world.anna, world.channel, "petition flyer", {"code": code, "paper": "Letter"}
        )
        message = await flyer.wait_original(timeout=15)
        (pdf,) = message.attachments
        reader = PdfReader(io.BytesIO(pdf.content))
        page = reader.pages[0]
        assert round(float(page.mediabox.width)) == 612  # US Letter, 8.5 in
        assert "Designate Belarus for TPS" in page.extract_text()
        assert code in page.extract_text()
        chart = await emulator.run_command(
            world.anna, world.channel, "petition chart", {"code": code}
        )
        shown = await chart.wait_original(timeout=15)
        (png,) = shown.attachments
        assert Image.open(io.BytesIO(png.content)).size[0] >= 800
        missing = await act.run(world.anna, "petition flyer", {"code": "ZZZZZZ"})
        assert "There is no petition with the code ZZZZZZ" in text_of(missing.original)


async def test_a_surge_of_share_clicks_renders_a_handful_of_cards(
    emulator: DiscordEmulator, world: World, tmp_path: Path
) -> None:
    members = [emulator.create_member(world.guild, f"m{n}") for n in range(300)]
    async with running_rally(emulator, tmp_path / "r.db") as bot:
        act = Act(emulator, world.channel)
        code = await act.create_petition(world.organizer)
        page = (await act.run(world.anna, "petition show", {"code": code})).original
        assert page is not None
        clicks = await asyncio.gather(*(emulator.click(m, page, "rally:share:1") for m in members))
        await asyncio.gather(*(c.response() for c in clicks))
        assert not any(c.failed for c in clicks)
        assert all(c.original and c.original.attachments for c in clicks)
        assert bot.services.images.cache.renders <= 2


async def test_the_servers_sms_number_reaches_cards_and_flyers(
    emulator: DiscordEmulator, world: World, tmp_path: Path
) -> None:
    async with running_rally(emulator, tmp_path / "r.db") as bot:
        act = Act(emulator, world.channel)
        code = await act.create_petition(world.organizer, title="Designate Belarus for TPS")
        bad = await act.run(world.organizer, "setup configure", {"sms_number": "call me"})
        assert "The SMS number must be 3 to 15 digits" in text_of(bad.original)
        assert (await bot.services.guilds.settings(world.guild.id)).sms_number is None
        ok = await act.run(world.organizer, "setup configure", {"sms_number": "50409"})
        assert "text sign CODE to 50409" in text_of(ok.original)
        flyer = await emulator.run_command(
            world.anna, world.channel, "petition flyer", {"code": code}
        )
        (pdf,) = (await flyer.wait_original(timeout=15)).attachments
        text = " ".join(PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text().split())
        assert f"sign {code}" in text and "50409" in text
