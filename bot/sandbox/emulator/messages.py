"""Creating and editing messages the way Discord stores them: files, mentions, nonces, flags."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .limits import ApiError, check_message
from .state import (
    FLAG_COMPONENTS_V2,
    FLAG_EPHEMERAL,
    FLAG_LOADING,
    FLAG_SUPPRESS_EMBEDS,
    MENTION_EVERYONE,
    Attachment,
    Channel,
    Message,
    User,
    now,
)

if TYPE_CHECKING:
    from .emulator import DiscordEmulator

USER_MENTION = re.compile(r"<@!?(\d+)>")
ROLE_MENTION = re.compile(r"<@&(\d+)>")
SETTABLE_FLAGS = FLAG_EPHEMERAL | FLAG_SUPPRESS_EMBEDS | FLAG_COMPONENTS_V2 | (1 << 12)


@dataclass
class Body:
    """A decoded request body: JSON, or multipart ``payload_json`` plus ``files[n]``."""

    payload: Any
    files: dict[int, Attachment]


async def read_body(request: web.Request) -> Body:
    ctype = request.content_type
    if ctype == "multipart/form-data":
        payload: Any = {}
        files: dict[int, Attachment] = {}
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            name = getattr(part, "name", None) or ""
            raw = await part.read()  # type: ignore[union-attr]
            if name == "payload_json":
                payload = json.loads(bytes(raw).decode())
            elif name.startswith("files[") and name.endswith("]"):
                index = int(name[6:-1])
                filename = getattr(part, "filename", None) or f"file{index}"
                content_type = part.headers.get("Content-Type")
                files[index] = Attachment(filename, bytes(raw), content_type)
            elif name:
                payload[name] = bytes(raw).decode()
        return Body(payload, files)
    text = await request.text()
    if not text:
        return Body(None, {})
    try:
        return Body(json.loads(text), {})
    except ValueError as exc:
        raise ApiError(400, 50109, "The request body contains invalid JSON.") from exc


class MessageFactory:
    def __init__(self, emu: DiscordEmulator) -> None:
        self.emu = emu

    def _attachments(
        self,
        payload: dict[str, Any],
        files: dict[int, Attachment],
        channel_id: int,
        existing: list[Attachment],
        ephemeral: bool,
    ) -> list[Attachment]:
        described = payload.get("attachments")
        kept: list[Attachment] = []
        uploads: list[tuple[int, dict[str, Any]]]
        if described is None:
            kept = list(existing)
            uploads = [(i, {}) for i in sorted(files)]
        else:
            by_id = {str(a.id): a for a in existing}
            uploads = []
            for item in described:
                key = str(item.get("id"))
                if key in by_id:
                    kept.append(by_id[key])
                elif key.isdigit() and int(key) in files:
                    uploads.append((int(key), item))
                else:
                    raise ApiError(
                        400,
                        50035,
                        "Invalid Form Body",
                        {
                            "attachments": {
                                "_errors": [
                                    {
                                        "code": "ATTACHMENT_NOT_FOUND",
                                        "message": "Attachment not found",
                                    }
                                ]
                            }
                        },
                    )
        for index, item in uploads:
            upload = files[index]
            att = Attachment(
                filename=item.get("filename") or upload.filename,
                content=upload.content,
                content_type=upload.content_type or _guess_type(upload.filename),
                description=item.get("description"),
                id=self.emu.snowflakes.next(),
                ephemeral=ephemeral,
            )
            att.url = self.emu.attachment_url(channel_id, att)
            self.emu.files[att.id] = att
            kept.append(att)
        if len(kept) > 10:
            raise ApiError(
                400,
                50035,
                "Invalid Form Body",
                {
                    "attachments": {
                        "_errors": [
                            {
                                "code": "BASE_TYPE_MAX_LENGTH",
                                "message": "Must be 10 or fewer in length.",
                            }
                        ]
                    }
                },
            )
        return kept

    def mentions(
        self, channel: Channel, content: str, allowed: dict[str, Any] | None
    ) -> tuple[list[User], list[int], bool]:
        """Who is actually pinged: content mentions filtered by ``allowed_mentions``."""
        guild = self.emu.guilds.get(channel.guild_id or 0)
        parse = ["users", "roles", "everyone"] if allowed is None else allowed.get("parse") or []
        allowed_users = {int(u) for u in (allowed or {}).get("users") or []}
        allowed_roles = {int(r) for r in (allowed or {}).get("roles") or []}
        users: list[User] = []
        for raw in dict.fromkeys(USER_MENTION.findall(content)):
            uid = int(raw)
            user = self.emu.users.get(uid)
            if user is not None and ("users" in parse or uid in allowed_users):
                users.append(user)
        roles: list[int] = []
        everyone = False
        if guild is not None:
            bot_member = guild.members.get(self.emu.bot_user.id)
            can_ping_all = bool(bot_member and guild.permissions_for(bot_member) & MENTION_EVERYONE)
            for raw in dict.fromkeys(ROLE_MENTION.findall(content)):
                rid = int(raw)
                role = guild.roles.get(rid)
                if role is None or not ("roles" in parse or rid in allowed_roles):
                    continue
                if role.mentionable or can_ping_all:
                    roles.append(rid)
            if ("@everyone" in content or "@here" in content) and "everyone" in parse:
                everyone = can_ping_all
        return users, roles, everyone

    def create(
        self,
        channel: Channel,
        payload: dict[str, Any],
        files: dict[int, Attachment],
        *,
        author: User | None = None,
        interaction: dict[str, Any] | None = None,
        ephemeral_allowed: bool = False,
        loading: bool = False,
        msg_type: int = 0,
    ) -> Message:
        if not loading:
            check_message(payload, files=len(files))
        flags = int(payload.get("flags") or 0)
        if flags & ~SETTABLE_FLAGS:
            raise ApiError(
                400,
                50035,
                "Invalid Form Body",
                {
                    "flags": {
                        "_errors": [{"code": "MESSAGE_FLAGS_INVALID", "message": "Invalid flags"}]
                    }
                },
            )
        if flags & FLAG_EPHEMERAL and not ephemeral_allowed:
            flags &= ~FLAG_EPHEMERAL
        if loading:
            flags |= FLAG_LOADING
        ephemeral = bool(flags & FLAG_EPHEMERAL)
        content = str(payload.get("content") or "")
        users, roles, everyone = self.mentions(channel, content, payload.get("allowed_mentions"))
        msg = Message(
            id=self.emu.snowflakes.next(),
            channel_id=channel.id,
            guild_id=channel.guild_id,
            author=author or self.emu.bot_user,
            content=content,
            embeds=_embeds(payload.get("embeds") or []),
            components=payload.get("components") or [],
            attachments=self._attachments(payload, files, channel.id, [], ephemeral),
            flags=flags,
            mentioned_users=users,
            mention_roles=roles,
            mention_everyone=everyone,
            nonce=payload.get("nonce"),
            tts=bool(payload.get("tts")),
            type=msg_type,
            message_reference=payload.get("message_reference"),
        )
        if interaction is not None:
            msg.webhook_id = self.emu.application_id
            msg.application_id = self.emu.application_id
            msg.interaction_metadata = interaction
        return msg

    def edit(self, msg: Message, payload: dict[str, Any], files: dict[int, Attachment]) -> None:
        if msg.deleted:
            raise ApiError(404, 10008, "Unknown Message")
        merged = {
            "content": payload.get("content", msg.content),
            "embeds": payload.get("embeds", msg.embeds),
            "components": payload.get("components", msg.components),
            "allowed_mentions": payload.get("allowed_mentions"),
            "flags": payload.get("flags", msg.flags & ~FLAG_LOADING),
        }
        check_message({k: v for k, v in merged.items() if v is not None}, edit=True)
        channel = self.emu.channels[msg.channel_id]
        if "content" in payload:
            msg.content = str(payload.get("content") or "")
            users, roles, everyone = self.mentions(
                channel, msg.content, payload.get("allowed_mentions")
            )
            msg.mentioned_users, msg.mention_roles, msg.mention_everyone = users, roles, everyone
        if "embeds" in payload:
            msg.embeds = _embeds(payload.get("embeds") or [])
        if "components" in payload:
            msg.components = payload.get("components") or []
        if "flags" in payload and payload["flags"] is not None:
            keep = msg.flags & FLAG_EPHEMERAL
            msg.flags = (int(payload["flags"]) & (FLAG_SUPPRESS_EMBEDS | FLAG_COMPONENTS_V2)) | keep
        if "attachments" in payload or files:
            msg.attachments = self._attachments(
                payload, files, msg.channel_id, msg.attachments, msg.ephemeral
            )
        was_loading = msg.loading
        msg.flags &= ~FLAG_LOADING
        if not was_loading:
            msg.edited_at = now()
        if not (msg.content or msg.embeds or msg.components or msg.attachments):
            raise ApiError(400, 50006, "Cannot send an empty message")


def _embeds(embeds: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Discord stores embeds with ``type: rich`` and drops nothing else we care about."""
    return [{"type": "rich", **e} for e in embeds]


def _guess_type(filename: str) -> str | None:
    import mimetypes

    return mimetypes.guess_type(filename)[0]
