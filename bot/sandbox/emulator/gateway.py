"""The Gateway: HELLO, heartbeats, IDENTIFY/READY, GUILD_CREATE, RESUME with replay, op 7/9."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

if TYPE_CHECKING:
    from .emulator import DiscordEmulator

log = logging.getLogger(__name__)

# Intents.
GUILDS = 1 << 0
GUILD_MEMBERS = 1 << 1
GUILD_PRESENCES = 1 << 8
GUILD_MESSAGES = 1 << 9
DIRECT_MESSAGES = 1 << 12
MESSAGE_CONTENT = 1 << 15
PRIVILEGED = GUILD_MEMBERS | GUILD_PRESENCES | MESSAGE_CONTENT

EVENT_INTENTS: dict[str, int] = {
    "GUILD_CREATE": GUILDS,
    "GUILD_UPDATE": GUILDS,
    "GUILD_DELETE": GUILDS,
    "GUILD_ROLE_CREATE": GUILDS,
    "GUILD_ROLE_UPDATE": GUILDS,
    "GUILD_ROLE_DELETE": GUILDS,
    "CHANNEL_CREATE": GUILDS,
    "CHANNEL_UPDATE": GUILDS,
    "CHANNEL_DELETE": GUILDS,
    "CHANNEL_PINS_UPDATE": GUILDS,
    "GUILD_MEMBER_ADD": GUILD_MEMBERS,
    "GUILD_MEMBER_UPDATE": GUILD_MEMBERS,
    "GUILD_MEMBER_REMOVE": GUILD_MEMBERS,
    "MESSAGE_CREATE": GUILD_MESSAGES,
    "MESSAGE_UPDATE": GUILD_MESSAGES,
    "MESSAGE_DELETE": GUILD_MESSAGES,
}


@dataclass
class Session:
    session_id: str
    shard: tuple[int, int]
    intents: int
    seq: int = 0
    log: deque[tuple[int, str]] = field(default_factory=lambda: deque(maxlen=50_000))
    conn: Connection | None = None


class Connection:
    """One WebSocket; a writer task sends queued frames in order."""

    def __init__(self, ws: web.WebSocketResponse) -> None:
        self.ws = ws
        self.queue: asyncio.Queue[str | None] = asyncio.Queue()
        self.session: Session | None = None
        self.close_code: int | None = None
        self.writer = asyncio.create_task(self._write())

    async def _write(self) -> None:
        while (frame := await self.queue.get()) is not None:
            if self.ws.closed:
                return
            try:
                await self.ws.send_str(frame)
            except (ConnectionError, RuntimeError):
                return

    def send(self, payload: dict[str, Any]) -> None:
        self.queue.put_nowait(json.dumps(payload))

    async def close(self, code: int, message: str = "") -> None:
        self.close_code = self.close_code or code
        self.queue.put_nowait(None)
        with contextlib.suppress(Exception):
            await self.ws.close(code=code, message=message.encode())


class Gateway:
    def __init__(self, emu: DiscordEmulator, *, heartbeat_interval: float = 41.25) -> None:
        self.emu = emu
        self.heartbeat_interval = heartbeat_interval
        self.acks_enabled = True
        self.granted_intents = 0
        self.sessions: dict[str, Session] = {}
        self.connections: set[Connection] = set()
        self.identifies = 0
        self.resumes = 0
        self.closes: list[int] = []
        self._changed = asyncio.Event()

    # --- test controls ----------------------------------------------------------------------

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:  # noqa: ASYNC109
        async with asyncio.timeout(timeout):
            while not predicate():
                await self._changed.wait()

    def live_sessions(self) -> list[Session]:
        return [s for s in self.sessions.values() if s.conn is not None]

    async def drop(self, *, resumable: bool = True) -> None:
        """Close every connection: 4000 keeps the session (client RESUMEs), 4009 ends it."""
        code = 4000 if resumable else 4009
        for session in list(self.sessions.values()):
            conn, session.conn = session.conn, None
            if not resumable:
                del self.sessions[session.session_id]
            if conn is not None:
                await conn.close(code, "Dropped by the emulator")
        self._notify()

    async def send_reconnect(self) -> None:
        """op 7: the client closes and RESUMEs."""
        for session in self.live_sessions():
            assert session.conn is not None
            session.conn.send({"op": 7, "d": None, "s": None, "t": None})

    async def invalidate(self, *, resumable: bool = False) -> None:
        """op 9: ``d=false`` ends the session and the client IDENTIFYs again."""
        for session in list(self.sessions.values()):
            if session.conn is not None:
                session.conn.send({"op": 9, "d": resumable, "s": None, "t": None})
            if not resumable:
                del self.sessions[session.session_id]

    # --- dispatch ---------------------------------------------------------------------------

    def shard_for(self, guild_id: int, count: int) -> int:
        return (guild_id >> 22) % max(count, 1)

    def dispatch(
        self, event: str, data: dict[str, Any], *, guild_id: int | None = None, dm: bool = False
    ) -> int:
        """Send (or log, when the session is disconnected) a dispatch. Returns sessions reached."""
        intent = DIRECT_MESSAGES if dm and event.startswith("MESSAGE") else EVENT_INTENTS.get(event)
        reached = 0
        for session in self.sessions.values():
            if intent is not None and not session.intents & intent:
                continue
            if (
                guild_id is not None
                and self.shard_for(guild_id, session.shard[1]) != session.shard[0]
            ):
                continue
            self._send_dispatch(session, event, self._strip(session, event, data))
            reached += 1
        return reached

    def _strip(self, session: Session, event: str, data: dict[str, Any]) -> dict[str, Any]:
        if event not in ("MESSAGE_CREATE", "MESSAGE_UPDATE") or session.intents & MESSAGE_CONTENT:
            return data
        bot_id = str(self.emu.bot_user.id)
        author = (data.get("author") or {}).get("id")
        mentioned = any(u.get("id") == bot_id for u in data.get("mentions") or [])
        if author == bot_id or mentioned or "guild_id" not in data:
            return data
        return {**data, "content": "", "embeds": [], "attachments": [], "components": []}

    def _send_dispatch(self, session: Session, event: str, data: dict[str, Any]) -> None:
        session.seq += 1
        frame = json.dumps({"op": 0, "t": event, "s": session.seq, "d": data})
        session.log.append((session.seq, frame))
        conn = session.conn
        if conn is None:
            return
        delay = self.emu.faults.event_delay
        if delay > 0:
            asyncio.get_running_loop().call_later(delay, conn.queue.put_nowait, frame)
        else:
            conn.queue.put_nowait(frame)

    # --- connection handling ----------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(autoping=True, max_msg_size=0)
        await ws.prepare(request)
        conn = Connection(ws)
        self.connections.add(conn)
        conn.send({"op": 10, "d": {"heartbeat_interval": int(self.heartbeat_interval * 1000)}})
        try:
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT:
                    if msg.type is WSMsgType.BINARY:
                        await conn.close(4002, "Decode error")
                    continue
                try:
                    payload = json.loads(msg.data)
                except ValueError:
                    await conn.close(4002, "Decode error")
                    break
                await self._on_payload(conn, payload)
        finally:
            self.connections.discard(conn)
            conn.queue.put_nowait(None)
            session = conn.session
            if session is not None and session.conn is conn:
                session.conn = None
            code = conn.close_code or ws.close_code
            if code is not None:
                self.closes.append(code)
            self._notify()
        return ws

    async def _on_payload(self, conn: Connection, payload: dict[str, Any]) -> None:
        op = payload.get("op")
        data = payload.get("d")
        if op == 1:
            if self.acks_enabled:
                conn.send({"op": 11, "d": None, "s": None, "t": None})
        elif op == 2:
            await self._identify(conn, data or {})
        elif op == 6:
            await self._resume(conn, data or {})
        elif op == 8:
            self._request_members(conn, data or {})
        elif op in (3, 4):
            pass
        else:
            await conn.close(4001, "Unknown opcode")

    async def _identify(self, conn: Connection, data: dict[str, Any]) -> None:
        if conn.session is not None:
            await conn.close(4005, "Already authenticated")
            return
        if data.get("token") != self.emu.token:
            await conn.close(4004, "Authentication failed")
            return
        intents = data.get("intents")
        if not isinstance(intents, int) or intents < 0 or intents >= 1 << 26:
            await conn.close(4013, "Invalid intent(s)")
            return
        if intents & PRIVILEGED & ~self.granted_intents:
            await conn.close(4014, "Disallowed intent(s)")
            return
        shard_id, shard_count = data.get("shard") or (0, 1)
        if shard_count != self.emu.shard_count or not 0 <= shard_id < shard_count:
            await conn.close(4010 if shard_id >= shard_count else 4011, "Invalid shard")
            return
        self.identifies += 1
        session = Session(secrets.token_hex(16), (shard_id, shard_count), intents)
        self.sessions[session.session_id] = session
        conn.session = session
        session.conn = conn
        guilds = [
            g for g in self.emu.guilds.values() if self.shard_for(g.id, shard_count) == shard_id
        ]
        ready = {
            "v": 10,
            "user": {**self.emu.bot_user.to_json(), "verified": True, "mfa_enabled": False},
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "session_id": session.session_id,
            "session_type": "normal",
            "resume_gateway_url": self.emu.gateway_url,
            "shard": [shard_id, shard_count],
            "application": {"id": str(self.emu.application_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "user_settings": {},
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "_trace": ["rally-emulator"],
        }
        self._send_dispatch(session, "READY", ready)
        for guild in guilds:
            self._send_dispatch(
                session, "GUILD_CREATE", self.emu.guild_create_payload(guild, intents)
            )
        self._notify()

    async def _resume(self, conn: Connection, data: dict[str, Any]) -> None:
        session = self.sessions.get(str(data.get("session_id")))
        if data.get("token") != self.emu.token:
            await conn.close(4004, "Authentication failed")
            return
        if session is None:
            conn.send({"op": 9, "d": False, "s": None, "t": None})
            return
        old = session.conn
        if old is not None and old is not conn:
            session.conn = None
            await old.close(4000, "Session resumed elsewhere")
        client_seq = int(data.get("seq") or 0)
        for seq, frame in list(session.log):
            if seq > client_seq:
                conn.queue.put_nowait(frame)
        conn.session = session
        session.conn = conn
        self.resumes += 1
        self._send_dispatch(session, "RESUMED", {"_trace": ["rally-emulator"]})
        self._notify()

    def _request_members(self, conn: Connection, data: dict[str, Any]) -> None:
        session = conn.session
        if session is None:
            return
        if not session.intents & GUILD_MEMBERS:
            conn.send({"op": 9, "d": False, "s": None, "t": None})
            return
        guild = self.emu.guilds.get(int(data.get("guild_id") or 0))
        if guild is None:
            return
        chunk = {
            "guild_id": str(guild.id),
            "members": [m.to_json() for m in guild.members.values()],
            "chunk_index": 0,
            "chunk_count": 1,
            "nonce": data.get("nonce"),
        }
        self._send_dispatch(session, "GUILD_MEMBERS_CHUNK", chunk)
