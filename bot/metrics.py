"""Rally's Prometheus metrics (prometheus-client), one registry per bot.

Counters move where things happen (interactions, webhook requests and batches, errors); gauges
that describe the database (signatures by source, the webhook backlog, the outbox) are read when
`/metrics` is scraped. Signatures by source come from a separate read-only SQLite connection in a
worker thread (WAL lets it read beside the bot's writer), at most once per `SOURCE_CACHE_SECONDS`,
so a scrape never holds the bot's connection for a full-table count. No label carries personal
data: labels are sources, kinds, outcomes, command names and HTTP statuses.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

SOURCE_CACHE_SECONDS = 10.0
SOURCES = ("discord", "import", "webhook")
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 3.0, 5.0, 10.0)


def _signatures_by_source(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    try:
        rows = conn.execute(
            "SELECT source, COUNT(*) FROM signatures WHERE status = 'counted' GROUP BY source"
        ).fetchall()
    finally:
        conn.close()
    return {str(r[0]): int(r[1]) for r in rows}


class Metrics:
    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.signatures = Gauge(
            "rally_signatures", "Signatures counted, by source", ["source"], registry=r
        )
        self.interactions = Counter(
            "rally_interactions", "Discord interactions handled, by type", ["type"], registry=r
        )
        self.interaction_seconds = Histogram(
            "rally_interaction_seconds",
            "Time to handle a slash command or autocomplete, by command",
            ["command"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.webhook_requests = Counter(
            "rally_webhook_requests", "Webhook requests answered, by kind and status",
            ["kind", "status"], registry=r,
        )  # fmt: skip
        self.webhook_accepted = Counter(
            "rally_webhook_events_accepted", "Webhook events stored for counting, by kind",
            ["kind"], registry=r,
        )  # fmt: skip
        self.webhook_rejected = Counter(
            "rally_webhook_events_rejected",
            "Webhook events refused (an invalid field, or a whole request refused), by kind",
            ["kind"], registry=r,
        )  # fmt: skip
        self.webhook_duplicates = Counter(
            "rally_webhook_events_duplicate", "Webhook events seen before (replays), by kind",
            ["kind"], registry=r,
        )  # fmt: skip
        self.webhook_processed = Counter(
            "rally_webhook_events_processed",
            "Webhook events processed in the background, by outcome", ["outcome"], registry=r,
        )  # fmt: skip
        self.webhook_answer_seconds = Histogram(
            "rally_webhook_answer_seconds", "Time to answer a webhook request", ["kind"],
            buckets=LATENCY_BUCKETS, registry=r,
        )  # fmt: skip
        self.webhook_backlog = Gauge(
            "rally_webhook_backlog", "Webhook events accepted and not yet counted", registry=r
        )
        self.outbox_pending = Gauge(
            "rally_outbox_pending", "Announcements waiting to be sent", registry=r
        )
        self.errors = Counter(
            "rally_errors", "Unexpected errors, by where they happened", ["where"], registry=r
        )
        self.refusals = Counter(
            "rally_refusals",
            "Interactions refused with a member-safe reason (invalid input, no permission...), "
            "by reason",
            ["reason"],
            registry=r,
        )
        for source in SOURCES:
            self.signatures.labels(source)
        for outcome in ("counted", "duplicate", "dropped"):
            self.webhook_processed.labels(outcome)
        self._sources_at = -SOURCE_CACHE_SECONDS

    def observe_command(self, command: str, seconds: float) -> None:
        self.interaction_seconds.labels(command).observe(seconds)

    async def refresh_signatures(self, path: Path, *, force: bool = False) -> None:
        """Re-read signatures by source (cached for `SOURCE_CACHE_SECONDS`)."""
        now = time.monotonic()
        if not force and now - self._sources_at < SOURCE_CACHE_SECONDS:
            return
        self._sources_at = now
        counts = await asyncio.to_thread(_signatures_by_source, path)
        for source in set(SOURCES) | set(counts):
            self.signatures.labels(source).set(counts.get(source, 0))

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
