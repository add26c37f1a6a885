"""Per-route buckets with ``X-RateLimit-*`` headers and a global per-token limit, like Discord."""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass


@dataclass
class BucketConfig:
    limit: int
    window: float


@dataclass
class RateLimitDecision:
    headers: dict[str, str]
    limited: bool = False
    retry_after: float = 0.0
    is_global: bool = False


class RateLimits:
    """Fixed-window counters. Defaults are generous; tests tighten them with :meth:`configure`.

    Interaction callbacks are exempt from the global limit, and so are unauthenticated
    (webhook/interaction-token) requests.
    """

    def __init__(
        self,
        *,
        default_limit: int = 10_000,
        default_window: float = 1.0,
        global_limit: int | None = 50,
        global_window: float = 1.0,
    ) -> None:
        self.default = BucketConfig(default_limit, default_window)
        self.global_limit = global_limit
        self.global_window = global_window
        self._configs: dict[tuple[str, str], BucketConfig] = {}
        self._windows: dict[tuple[str, str], tuple[int, float]] = {}
        self._global: tuple[int, float] = (0, 0.0)
        self.limited: list[tuple[str, str, bool]] = []

    def configure(self, method: str, template: str, *, limit: int, window: float = 1.0) -> None:
        """Give one route its own bucket (e.g. ``limit=1, window=0.3`` to force waits/429s)."""
        self._configs[(method.upper(), template)] = BucketConfig(limit, window)

    def reset(self) -> None:
        self._configs.clear()
        self._windows.clear()
        self._global = (0, 0.0)

    @staticmethod
    def bucket_hash(method: str, template: str) -> str:
        return hashlib.sha1(f"{method} {template}".encode(), usedforsecurity=False).hexdigest()[:16]

    def check(
        self, method: str, template: str, major: str, *, counts_global: bool
    ) -> RateLimitDecision:
        now = time.monotonic()
        if counts_global and self.global_limit is not None:
            count, reset = self._global
            if now >= reset:
                count, reset = 0, now + self.global_window
            if count >= self.global_limit:
                retry = reset - now
                self.limited.append((method, template, True))
                return RateLimitDecision(
                    {"X-RateLimit-Global": "true", "X-RateLimit-Scope": "global"},
                    limited=True,
                    retry_after=retry,
                    is_global=True,
                )
            self._global = (count + 1, reset)

        config = self._configs.get((method.upper(), template), self.default)
        bucket = self.bucket_hash(method, template)
        key = (bucket, major)
        count, reset = self._windows.get(key, (0, 0.0))
        if now >= reset:
            count, reset = 0, now + config.window
        reset_after = max(reset - now, 0.0)
        headers = {
            "X-RateLimit-Limit": str(config.limit),
            "X-RateLimit-Bucket": bucket,
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
        }
        if count >= config.limit:
            headers["X-RateLimit-Remaining"] = "0"
            headers["X-RateLimit-Scope"] = "user"
            self.limited.append((method, template, False))
            return RateLimitDecision(headers, limited=True, retry_after=reset_after)
        count += 1
        self._windows[key] = (count, reset)
        headers["X-RateLimit-Remaining"] = str(config.limit - count)
        return RateLimitDecision(headers)


def too_many_requests_body(retry_after: float, is_global: bool) -> dict[str, object]:
    return {
        "message": "You are being rate limited.",
        "retry_after": round(retry_after, 3),
        "global": is_global,
    }


def too_many_requests_headers(retry_after: float) -> dict[str, str]:
    return {"Retry-After": str(max(1, math.ceil(retry_after))), "Via": "1.1 google"}
