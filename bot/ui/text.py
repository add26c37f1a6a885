"""Text helpers for Discord's limits: escaping, trimming and splitting at natural boundaries."""

from __future__ import annotations

import discord


def escape(text: str) -> str:
    """Show `text` as typed: no markdown formatting, no mention syntax that could ping."""
    return discord.utils.escape_mentions(discord.utils.escape_markdown(text))


def trim(text: str, limit: int, ellipsis: str = "…") -> str:
    """At most `limit` characters, cut at a word boundary where one is near."""
    if len(text) <= limit:
        return text
    cut = text[: limit - len(ellipsis)]
    space = max(cut.rfind(" "), cut.rfind("\n"))
    if space > limit * 0.6:
        cut = cut[:space]
    return cut.rstrip() + ellipsis


def split_text(text: str, limit: int) -> list[str]:
    """Pieces of at most `limit` characters, split at paragraphs, lines, then spaces."""
    pieces: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[:limit]
        cut = -1
        for separator in ("\n\n", "\n", " "):
            cut = window.rfind(separator)
            if cut > limit // 2:
                break
        if cut <= 0:
            cut = limit
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces


def progress_bar(total: int, goal: int, width: int = 20) -> str:
    share = 0.0 if goal <= 0 else min(1.0, total / goal)
    filled = round(share * width)
    return "▰" * filled + "▱" * (width - filled) + f" {round(share * 100)}%"
