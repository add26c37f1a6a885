"""Signers end to end: the real bot against the emulator — import a CSV attachment, link by an
emailed code (a real SMTP server on loopback), export and forget, as members see it."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from bot.client import RallyBot
from bot.db import Database
from bot.domain.sealing import new_key_pair
from bot.sandbox.emulator import Attachment, DiscordEmulator, Message
from bot.sandbox.emulator.harness import running_client
from bot.services import Services
from bot.services.signers import SignerConfig
from tests.db.signers_support import SmtpServer, smtp
from tests.e2e import rally_harness
from tests.e2e.conftest import World
from tests.e2e.rally_harness import Act, buttons, rally_settings, text_of

__all__ = ["smtp"]


@asynccontextmanager
async def rally_with_keys(
    emu: DiscordEmulator, path: Path, **overrides: Any
) -> AsyncIterator[RallyBot]:
    public, _ = new_key_pair()
    settings = rally_settings(
        emu, path, rally_public_key=public, rally_hash_key="h" * 40, **overrides
    )
    db = Database(path)
    services = Services.build(
        db, signer_config=SignerConfig.from_settings(settings), limits=settings.abuse_limits()
    )
    bot = rally_harness.TestRallyBot(
        settings=settings, db=db, services=services, guild_ready_timeout=0.05
    )
    async with running_client(bot, emu) as running:
        yield running


def smtp_settings(smtp: SmtpServer) -> dict[str, Any]:
    """Settings that send Rally's emails to the loopback SMTP server."""
    return {
        "smtp_host": "127.0.0.1",
        "smtp_port": smtp.port,
        "smtp_from": "rally@example.org",
        "smtp_starttls": False,
    }


CSV = (
    "first_name,last_name,email,zip_code,created_at\n"
    "Anna,Kowalska,anna.kowalska@gmail.com,02134,2026-11-01 10:00:00\n"
    '=HYPERLINK("x"),Evil,evil@example.org,02134,\n'
    "Ben,Ivanou,ben@example.org,220030,2026-11-02 10:00:00\n"
    "Anna,Kowalska,annakowalska+again@gmail.com,02-134,\n"
)


async def test_import_attachment_link_by_code_export_and_forget(
    emulator: DiscordEmulator, world: World, tmp_path: Path, smtp: SmtpServer
) -> None:
    async with rally_with_keys(emulator, tmp_path / "r.db", **smtp_settings(smtp)) as bot:
        act = Act(emulator, world.channel)
        code = await act.create_petition(world.organizer)

        # a member may not import
        refused = await act.run(
            world.anna,
            "signers import",
            {"petition": code, "file": Attachment("list.csv", CSV.encode())},
        )
        assert "Only organizers" in text_of(refused.original)

        imported = await emulator.run_command(
            world.organizer,
            world.channel,
            "signers import",
            {"petition": code, "file": Attachment("list.csv", CSV.encode())},
        )

        def summary() -> Message | None:
            shown = imported.original
            return shown if shown is not None and "Imported" in shown.content else None

        done = await imported.wait_until(summary)
        assert imported.ephemeral
        assert "2 signatures counted, 1 duplicates, 1 rejected, of 4 rows" in done.content
        report = done.attachments[0]
        assert report.filename == "list-not-counted.csv"
        rows = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig"))))
        assert rows[1][:2] == ["3", "rejected"] and "formula" in rows[1][2]
        assert rows[2][:2] == ["5", "duplicate"] and "line 2" in rows[2][2]
        assert "HYPERLINK" not in report.content.decode("utf-8-sig")

        # Anna signs in Discord too, then links her imported record: counted once
        details = await act.run(world.anna, "petition sign", {"code": code})
        assert details.modal is not None  # her first signature asks for delivery details
        page = await emulator.submit_modal(
            world.anna,
            details,
            {"name": "Anna K", "postal_code": "02139", "email": "", "phone": ""},
        )
        assert "#3" in text_of(await page.response())
        opened = await act.run(world.anna, "me link")
        assert opened.modal is not None
        sent = await emulator.submit_modal(world.anna, opened, {"email": "Anna.Kowalska@gmail.com"})
        followup = await sent.wait_followup()
        assert "emailed a 6-digit code" in followup.content
        assert "Anna.Kowalska@gmail.com" not in followup.content
        enter = next(iter(buttons(followup)))
        asked = await act.click(world.anna, followup, enter)
        assert asked.modal is not None
        linked = await emulator.submit_modal(world.anna, asked, {"code": smtp.inbox.last_code()})
        reply = await linked.wait_original()
        assert "Linked" in reply.content and "counts you once" in reply.content
        petition = await bot.services.petitions.get(world.guild.id, code)
        assert petition.total == 2

        # export: a JSON file of what Rally holds, sealed fields listed as sealed
        asked_export = await act.run(world.anna, "me export")
        question = await asked_export.wait_original()
        confirm = next(k for k, v in buttons(question).items() if v == "Export")
        exported = await act.click(world.anna, question, confirm)
        message = await exported.wait_original()
        data = json.loads(message.attachments[0].content)
        assert data["record"]["name"] == "sealed" and len(data["signatures"]) == 1
        assert "Kowalska" not in message.attachments[0].content.decode()

        # forget: totals unchanged, the link gone
        asked_forget = await act.run(world.anna, "me forget")
        question = await asked_forget.wait_original()
        erase = next(k for k, v in buttons(question).items() if v == "Erase my data")
        forgot = await act.click(world.anna, question, erase)
        assert "still counts, anonymously" in (await forgot.wait_original()).content
        assert (await bot.services.petitions.get(world.guild.id, code)).total == 2
        shown = await act.run(world.anna, "me show")
        assert "Nothing yet" in text_of(shown.original)

        audit = await act.run(world.organizer, "audit")
        text = text_of(audit.original)
        assert "signers.import" in text and "me.forget" in text and "Kowalska" not in text


async def test_without_keys_details_are_refused_and_without_smtp_claims_are_reviewed(
    emulator: DiscordEmulator, world: World, tmp_path: Path
) -> None:
    settings = rally_settings(emulator, tmp_path / "r.db", rally_hash_key="h" * 40)
    db = Database(tmp_path / "r.db")
    services = Services.build(
        db, signer_config=SignerConfig.from_settings(settings), limits=settings.abuse_limits()
    )
    bot = rally_harness.TestRallyBot(
        settings=settings, db=db, services=services, guild_ready_timeout=0.05
    )
    async with running_client(bot, emulator):
        act = Act(emulator, world.channel)
        edit = await act.run(world.anna, "me edit")
        assert "RALLY_PUBLIC_KEY" in text_of(edit.original) and edit.modal is None

        opened = await act.run(world.anna, "me link")
        sent = await emulator.submit_modal(world.anna, opened, {"email": "anna@example.org"})
        assert "went to the organizers" in (await sent.wait_followup()).content

        queue = await act.run(world.organizer, "signers claims")
        assert "matches no record" in text_of(queue.original)
        listed = await queue.wait_original()
        approve = next(k for k, v in buttons(listed).items() if v == "Approve")
        reviewed = await act.click(world.organizer, listed, approve)
        assert "approved" in text_of(reviewed.original)
        assert "No more claims" in text_of(reviewed.original)
