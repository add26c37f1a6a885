"""Sending email: the `/me link` code, over SMTP with aiosmtplib (never blocks the event loop).

The address is used to send and then dropped: Rally never stores or logs it in plain text.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol

import aiosmtplib

log = logging.getLogger(__name__)


class MailError(Exception):
    """The message could not be handed to the SMTP server."""


class Mailer(Protocol):
    async def send(self, to: str, subject: str, body: str) -> None: ...


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    host: str
    port: int
    sender: str
    username: str | None = None
    password: str | None = None
    starttls: bool = True
    timeout: float = 20.0


class SmtpMailer:
    """Hands each message to the configured SMTP server (STARTTLS when asked)."""

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config

    async def send(self, to: str, subject: str, body: str) -> None:
        message = EmailMessage()
        message["From"] = self.config.sender
        message["To"] = to
        message["Subject"] = subject
        message.set_content(body)
        try:
            await aiosmtplib.send(
                message,
                hostname=self.config.host,
                port=self.config.port,
                username=self.config.username,
                password=self.config.password,
                start_tls=self.config.starttls,
                use_tls=False,
                timeout=self.config.timeout,
            )
        except (aiosmtplib.SMTPException, OSError) as exc:
            log.warning("sending a link code failed: %s", type(exc).__name__)
            raise MailError(type(exc).__name__) from None
