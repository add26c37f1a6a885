"""Logging, configured once by the composition root: one line per event, no personal data."""

from __future__ import annotations

import logging
import sys


def configure(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%Y-%m-%d %H:%M:%S")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # discord.py logs every gateway event at DEBUG, payloads included; keep it at INFO at most.
    logging.getLogger("discord").setLevel(max(logging.INFO, logging.getLevelName(level)))
