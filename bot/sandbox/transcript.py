"""The sandbox's transcript: what a member would see, as plain text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.sandbox.emulator import Message

INDENT = "    "


def _lines(text: str, prefix: str = INDENT) -> list[str]:
    return [prefix + line if line else prefix.rstrip() for line in text.splitlines()]


def render_embed(embed: dict[str, Any]) -> list[str]:
    out: list[str] = []
    if embed.get("author", {}).get("name"):
        out.append(f"{INDENT}┃ {embed['author']['name']}")
    if embed.get("title"):
        out.append(f"{INDENT}┃ ▌{embed['title']}")
    if embed.get("description"):
        out += _lines(embed["description"], f"{INDENT}┃ ")
    for field in embed.get("fields", []):
        out.append(f"{INDENT}┃ {field['name']}: {field['value']}")
    if embed.get("image", {}).get("url"):
        out.append(f"{INDENT}┃ [image] {embed['image']['url']}")
    if embed.get("footer", {}).get("text"):
        out.append(f"{INDENT}┃ — {embed['footer']['text']}")
    return out


def render_components(components: list[dict[str, Any]]) -> list[str]:
    out = []
    for row in components:
        labels = []
        for child in row.get("components", []):
            if child.get("type") == 2:
                label = child.get("label") or child.get("emoji", {}).get("name", "?")
                kind = "link" if child.get("url") else "button"
                disabled = " (disabled)" if child.get("disabled") else ""
                labels.append(f"[{label}]{disabled}" if kind == "button" else f"[{label} ↗]")
            elif child.get("type") in (3, 5, 6, 7, 8):
                labels.append(f"[select: {child.get('placeholder') or child.get('custom_id')}]")
        if labels:
            out.append(INDENT + " ".join(labels))
    return out


def render_message(header: str, message: Message | None, saved: list[Path] | None = None) -> str:
    lines = [header]
    if message is None:
        return header + "\n" + INDENT + "(no answer)"
    if message.content:
        lines += _lines(message.content)
    for embed in message.embeds:
        lines += render_embed(embed)
    lines += render_components(message.components)
    for path in saved or []:
        lines.append(f"{INDENT}📎 {path.name} → saved to {path}")
    pinged = []
    if message.mention_everyone:
        pinged.append("@everyone")
    pinged += [f"role {r}" for r in message.mention_roles]
    if pinged:
        lines.append(f"{INDENT}(pinged: {', '.join(pinged)})")
    return "\n".join(lines)
