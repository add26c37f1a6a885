"""Signatures from elsewhere: webhook endpoints, accepting events, and counting them later.

Accepting is fast and durable: the petition and secret are checked, each event is checked on its
own, hashed and sealed, and the good ones are stored in one short transaction — then the sender
gets its answer (Action Network wants one within 500 ms). Counting happens in the background
(`WebhookWorker`): a petition's due events are counted as one batch, in one transaction, by the
same code that counts a CSV import, so de-duplication (by email hash, name + postal code hash and
the sender's id), goal rises, milestones and drive credit work exactly as for any signature.

Out of order is fine: nothing depends on arrival order — a replay of a key already stored or
counted is a duplicate whenever it comes, and signer numbers within a batch follow `signed_at`.
A batch that fails is rolled back whole and retried with backoff; after `MAX_ATTEMPTS` its events
stay stored as 'failed' for an operator.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.db import Database, audit, petitions
from bot.db import webhooks as hooks_db
from bot.db.database import Connection
from bot.db.staged_signatures import WEBHOOK_EVENTS
from bot.db.webhooks import NewEvent, Target
from bot.domain.actors import Actor
from bot.domain.clock import Clock, utcnow
from bot.domain.errors import PetitionGone
from bot.domain.petitions import Petition, Status, normalize_code
from bot.domain.sealing import Hasher, Sealer
from bot.domain.webhooks import (
    EventProblem,
    Incoming,
    Kind,
    parse,
    secret_matches,
    signature_matches,
)
from bot.services.counting import count_group
from bot.services.guilds import require_guild, require_organizer
from bot.services.lookups import find_petition
from bot.services.referrals import RunningDrives
from bot.services.signers import SignerConfig
from bot.services.webhook_targets import WebhookTargets

log = logging.getLogger(__name__)

BATCH_EVENTS = 1000
MAX_ATTEMPTS = 8
MAX_BACKOFF = timedelta(minutes=10)
#: Bodies above this many bytes are parsed, hashed and sealed in a worker thread.
THREAD_ABOVE_BYTES = 32 * 1024


class WebhookRefused(Exception):
    """The request cannot be taken; `status` is the HTTP status, the message its reason."""

    status = 400


class UnknownPetition(WebhookRefused):
    status = 404


class BadCredentials(WebhookRefused):
    status = 401


class HooksUnavailable(WebhookRefused):
    status = 503


@dataclass(frozen=True, slots=True)
class EndpointInfo:
    petition: Petition
    secret: str
    rotated_at: datetime | None


@dataclass(frozen=True, slots=True)
class Acceptance:
    """The answer to one request: how many events were stored, replays, and the refused ones."""

    accepted: int
    duplicates: int
    problems: list[EventProblem]

    @property
    def rejected(self) -> list[EventProblem]:
        return [p for p in self.problems if not p.ignored]

    @property
    def ignored(self) -> int:
        return sum(1 for p in self.problems if p.ignored)

    def as_json(self) -> dict[str, Any]:
        return {
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "ignored": self.ignored,
            "rejected": [{"index": p.index, "reason": p.reason} for p in self.rejected],
        }


@dataclass(frozen=True, slots=True)
class Processed:
    """What one counted batch did."""

    petition_id: int
    counted: int
    duplicates: int
    dropped: int = 0
    announcements: list[int] = field(default_factory=list)


def backoff(attempts: int) -> timedelta:
    return min(MAX_BACKOFF, timedelta(seconds=2 ** max(1, attempts)))


def stage(events: list[Incoming], hasher: Hasher, sealer: Sealer | None) -> list[NewEvent]:
    """Hash and seal checked events: after this, nothing personal is left in plain text."""
    batch = sealer.batch() if sealer is not None and events else None
    seal = batch.seal_optional if batch is not None else None
    staged = []
    for e in events:
        staged.append(
            NewEvent(
                event_key=e.event_key,
                external_id=e.external_id,
                email_hash=hasher.email(e.email_key) if e.email_key else None,
                name_postal_hash=(
                    hasher.name_postal(e.name, e.postal_code) if e.name and e.postal_code else None
                ),
                sealed_name=seal(e.name) if seal else None,
                sealed_postal_code=seal(e.postal_code) if seal else None,
                sealed_email=seal(e.email) if seal else None,
                sealed_phone=seal(e.phone) if seal else None,
                signed_at=e.signed_at,
                referral=e.referral,
            )
        )
    return staged


def _read_and_stage(
    kind: Kind, body: Any, now: datetime, hasher: Hasher, sealer: Sealer | None
) -> tuple[list[NewEvent], list[EventProblem]]:
    parsed = parse(kind, body, now)
    return stage(parsed.events, hasher, sealer), parsed.problems


class WebhookService:
    def __init__(
        self,
        db: Database,
        clock: Clock = utcnow,
        config: SignerConfig | None = None,
        running: RunningDrives | None = None,
        targets: WebhookTargets | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.config = config or SignerConfig()
        self.running = running or RunningDrives()
        self.targets = targets or WebhookTargets()
        self.wake: Callable[[], None] = lambda: None

    # -- organizers ---------------------------------------------------------------------------
    async def endpoint(self, actor: Actor, raw_code: str) -> EndpointInfo:
        """The petition's webhook secret (made on first use). Organizers only."""
        hasher = self.config.require_hasher()
        now = self.clock()
        async with self.db.transaction() as conn:
            await require_organizer(conn, actor)
            petition = await find_petition(conn, require_guild(actor), raw_code)
            current = await hooks_db.endpoint(conn, petition.id)
            if current is None:
                nonce = secrets.token_urlsafe(16)
                await hooks_db.create_endpoint(
                    conn, petition.id, nonce, created_by=actor.user_id, now=now
                )
                self.targets.forget(petition.code)
                await audit.record(
                    conn,
                    guild_id=petition.guild_id,
                    actor_id=actor.user_id,
                    action="webhook.create",
                    subject=petition.code,
                    now=now,
                )
                return EndpointInfo(petition, hasher.webhook_secret(petition.id, nonce), None)
        return EndpointInfo(
            petition, hasher.webhook_secret(petition.id, current.nonce), current.rotated_at
        )

    async def rotate(self, actor: Actor, petition_id: int) -> EndpointInfo:
        """A new secret; the old one stops working at once."""
        hasher = self.config.require_hasher()
        now = self.clock()
        nonce = secrets.token_urlsafe(16)
        async with self.db.transaction() as conn:
            await require_organizer(conn, actor)
            petition = await petitions.by_id(conn, petition_id)
            if (
                petition is None
                or petition.status is Status.DELETED
                or petition.guild_id != actor.guild_id
            ):
                raise PetitionGone()
            if await hooks_db.endpoint(conn, petition.id) is None:
                await hooks_db.create_endpoint(
                    conn, petition.id, nonce, created_by=actor.user_id, now=now
                )
            else:
                await hooks_db.rotate(conn, petition.id, nonce, now)
            self.targets.forget(petition.code)
            await audit.record(
                conn,
                guild_id=petition.guild_id,
                actor_id=actor.user_id,
                action="webhook.rotate",
                subject=petition.code,
                now=now,
            )
        log.info("webhook secret of petition %s rotated", petition.code)
        return EndpointInfo(petition, hasher.webhook_secret(petition.id, nonce), now)

    # -- the endpoint -------------------------------------------------------------------------
    def _hasher(self) -> Hasher:
        if self.config.hasher is None:
            raise HooksUnavailable("webhooks need RALLY_HASH_KEY, which is not set")
        return self.config.hasher

    async def authenticate(
        self,
        kind: Kind,
        raw_code: str,
        body: bytes,
        *,
        secret: str | None = None,
        signature: str | None = None,
    ) -> Target:
        """The petition a request is for, when its secret (Action Network: in the URL or
        `X-Rally-Secret`) or body HMAC (generic: `X-Rally-Signature`) is right."""
        hasher = self._hasher()
        code = normalize_code(raw_code)
        found = None
        if code is not None:
            found = await self._target(code)
        if found is None or found.deleted:
            raise UnknownPetition("no such petition")
        expected = (
            hasher.webhook_secret(found.petition_id, found.nonce)
            if found.nonce is not None
            else secrets.token_hex(32)  # still compare: a missing endpoint takes as long
        )
        if kind == "actionnetwork":
            good = secret_matches(expected, secret) or signature_matches(expected, body, signature)
        else:
            good = signature_matches(expected, body, signature)
        if not good or found.nonce is None:
            raise BadCredentials(
                "bad or missing X-Rally-Signature" if kind == "generic" else "bad or missing secret"
            )
        return found

    async def _target(self, code: str) -> Target | None:
        """The petition `code` names (`WebhookTargets`: remembered a few seconds once found
        with an endpoint; unknown codes and petitions without one are read every time)."""
        remembered = self.targets.get(code)
        if remembered is not None:
            return remembered
        async with self.db.read() as conn:
            found = await hooks_db.target(conn, code)
        if found is not None and found.nonce is not None and not found.deleted:
            self.targets.remember(code, found)
        return found

    async def accept(self, target: Target, kind: Kind, body: Any, size: int) -> Acceptance:
        """Check, hash, seal and store a request's events (`PayloadError` for a bad body)."""
        hasher = self._hasher()
        now = self.clock()
        if size > THREAD_ABOVE_BYTES:
            staged, problems = await asyncio.to_thread(
                _read_and_stage, kind, body, now, hasher, self.config.sealer
            )
        else:
            staged, problems = _read_and_stage(kind, body, now, hasher, self.config.sealer)
        stored = hooks_db.Stored(0, frozenset())
        if staged:
            stored = await self.db.run_transaction(
                lambda conn: hooks_db.store(conn, target.petition_id, kind, staged, now)
            )
        if stored.stored:
            self.wake()
        duplicates = len(staged) - stored.stored
        return Acceptance(stored.stored, duplicates, sorted(problems, key=lambda p: p.index))

    # -- the background processor -------------------------------------------------------------
    async def backlog(self) -> int:
        async with self.db.read() as conn:
            return await hooks_db.backlog(conn)

    async def process_due(self, *, limit: int = BATCH_EVENTS) -> list[Processed]:
        """Count one batch of due events for every petition that has some."""
        async with self.db.read() as conn:
            due = await hooks_db.petitions_due(conn, self.clock())
        done = []
        for petition_id in due:
            result = await self._process_petition(petition_id, limit)
            if result is not None:
                done.append(result)
        return done

    async def process_all(self, *, limit: int = BATCH_EVENTS) -> list[Processed]:
        """Process until nothing is due (tests, the bench, a drain at shutdown)."""
        results: list[Processed] = []
        while batch := await self.process_due(limit=limit):
            results += batch
        return results

    async def _process_petition(self, petition_id: int, limit: int) -> Processed | None:
        now = self.clock()

        async def counting(conn: Connection) -> Processed | None:
            batch = await hooks_db.claim(conn, petition_id, now, limit)
            if batch is None:
                return None
            petition = await petitions.by_id(conn, petition_id)
            if petition is None or petition.status is Status.DELETED:
                dropped = await hooks_db.drop(conn, batch, "petition deleted", now)
                return Processed(petition_id, 0, 0, dropped)
            window = await self.running.running(conn, petition.id, now)
            result = await count_group(
                conn,
                petition,
                WEBHOOK_EVENTS,
                batch,
                signer_source="webhook",
                now=now,
                running_drive_id=window.drive_id if window else None,
                drive_news=True,
            )
            counted, duplicates = await hooks_db.finish(conn, batch, now)
            return Processed(petition_id, counted, duplicates, 0, result.announcements)

        try:  # one hop to the database thread for the whole batch (`run_transaction`)
            processed = await self.db.run_transaction(counting)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            await self._failed(petition_id, limit, now, exc)
            return None
        if processed is not None and not processed.dropped:
            log.info(
                "webhook batch for petition %s: %d counted, %d duplicates",
                petition_id,
                processed.counted,
                processed.duplicates,
            )
        return processed

    async def _failed(self, petition_id: int, limit: int, now: datetime, exc: Exception) -> None:
        log.exception("webhook batch for petition %s failed; will retry", petition_id)
        async with self.db.transaction() as conn:
            row = await conn.fetchval(
                "SELECT MAX(attempts) FROM webhook_events WHERE petition_id = ? "
                "AND status = 'pending'",
                (petition_id,),
            )
            failed = await hooks_db.record_failure(
                conn,
                petition_id,
                now=now,
                retry_at=now + backoff(int(row or 0) + 1),
                limit=limit,
                error=type(exc).__name__,
                max_attempts=MAX_ATTEMPTS,
            )
        if failed:
            log.error("%d webhook events of petition %s failed for good", failed, petition_id)


OnBatch = Callable[[Processed], None]
OnError = Callable[[BaseException], None]


class WebhookWorker:
    """Counts accepted events in the background: woken by each accepted request, and polling
    for retries that fall due. Never in memory only: the events are in the database."""

    def __init__(
        self,
        service: WebhookService,
        *,
        poll_seconds: float = 5.0,
        on_batch: OnBatch | None = None,
        on_error: OnError | None = None,
    ) -> None:
        self.service = service
        self.poll_seconds = poll_seconds
        self.on_batch = on_batch
        self.on_error = on_error
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._idle = asyncio.Event()

    def wake(self) -> None:
        self._idle.clear()
        self._wake.set()

    def start(self) -> None:
        if self._task is None:
            self.service.wake = self.wake
            self._wake.set()  # what a stopped bot left behind
            self._task = asyncio.create_task(self._run(), name="rally-webhooks")

    async def stop(self) -> None:
        if self._task is not None:
            task, self._task = self._task, None
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def idle(self) -> None:
        """Wait until the worker has processed everything it was woken for (tests)."""
        await self._idle.wait()

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll_seconds)
            self._wake.clear()
            try:
                while batch := await self.service.process_due():
                    for processed in batch:
                        if self.on_batch is not None:
                            self.on_batch(processed)
            except Exception as exc:
                log.exception("webhook processing failed; will try again")
                if self.on_error is not None:
                    self.on_error(exc)
            if not self._wake.is_set():
                self._idle.set()
