"""Shared pieces for the signers tests: keys, services built with them, a loopback SMTP server,
and a look at every table for data that must not be there."""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from nacl.public import PrivateKey

from bot.db import Database
from bot.domain.petitions import parse_draft
from bot.domain.sealing import Hasher, Sealer, Unsealer, load_private_key, new_key_pair
from bot.email import SmtpConfig, SmtpMailer
from bot.services import Services
from bot.services.signers import SignerConfig
from tests.conftest import NO_COOLDOWNS, FakeClock

HASH_KEY = b"k" * 40
DRAFT = parse_draft(
    title="Designate Belarus for Temporary Protected Status",
    recipient="the President & U.S. Congress",
    letter="We ask you to designate Belarus for TPS.",
)


@dataclass
class Keys:
    public: str
    private: str

    @property
    def sealer(self) -> Sealer:
        from bot.domain.sealing import load_public_key

        return Sealer(load_public_key(self.public))

    @property
    def unsealer(self) -> Unsealer:
        return Unsealer(load_private_key(self.private))

    @property
    def private_key(self) -> PrivateKey:
        return load_private_key(self.private)


@pytest.fixture
def keys() -> Keys:
    public, private = new_key_pair()
    return Keys(public, private)


def build(
    db: Database,
    clock: FakeClock,
    keys: Keys | None,
    *,
    hash_key: bool = True,
    mailer: SmtpMailer | None = None,
    import_max_bytes: int = 50 * 1024 * 1024,
) -> Services:
    config = SignerConfig(
        sealer=keys.sealer if keys else None,
        hasher=Hasher(HASH_KEY) if hash_key else None,
        mailer=mailer,
        import_max_bytes=import_max_bytes,
    )
    return Services.build(db, clock, signer_config=config, limits=NO_COOLDOWNS)


@dataclass
class Inbox:
    messages: list[Message] = field(default_factory=list)
    arrived: asyncio.Event | None = None

    def last_code(self) -> str:
        body = self.messages[-1].get_payload(decode=True)
        assert isinstance(body, bytes)
        match = re.search(r"\b(\d{6})\b", body.decode())
        assert match, body
        return match.group(1)


class _Handler:
    def __init__(self, inbox: Inbox) -> None:
        self.inbox = inbox

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        self.inbox.messages.append(message_from_bytes(content))
        return "250 OK"


@dataclass
class SmtpServer:
    inbox: Inbox
    port: int

    def mailer(self) -> SmtpMailer:
        return SmtpMailer(
            SmtpConfig(host="127.0.0.1", port=self.port, sender="rally@example.org", starttls=False)
        )


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """A real SMTP server (aiosmtpd) on loopback, in its own thread; messages land in `inbox`."""
    inbox = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    controller = Controller(_Handler(inbox), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpServer(inbox, port)
    finally:
        controller.stop()


TABLES_SQL = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"


async def snapshot(db: Database) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, to assert that a refused action changed nothing."""
    async with db.read() as conn:
        tables = [r[0] for r in await conn.fetchall(TABLES_SQL)]
        return {
            t: sorted((tuple(r) for r in await conn.fetchall(f"SELECT * FROM {t}")), key=repr)
            for t in tables
        }


async def cells_containing(db: Database, needles: list[object]) -> list[str]:
    """Every table.column where any of `needles` appears (as a value, or inside text/bytes)."""
    found = []
    data = await snapshot(db)
    async with db.read() as conn:
        for table, rows in data.items():
            columns = [r[1] for r in await conn.fetchall(f"PRAGMA table_info({table})")]
            for row in rows:
                for column, value in zip(columns, row, strict=True):
                    for needle in needles:
                        hit = value == needle
                        if isinstance(needle, str) and isinstance(value, str):
                            hit = hit or needle.lower() in value.lower()
                        if isinstance(needle, str) and isinstance(value, bytes):
                            hit = hit or needle.encode() in value
                        if hit:
                            found.append(f"{table}.{column}")
    return sorted(set(found))
