"""Scripted faults: the next N calls to a route fail or are delayed; gateway events are delayed."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Fault:
    method: str
    path: str
    status: int | None
    remaining: int
    delay: float = 0.0
    retry_after: float = 0.1
    is_global: bool = False
    via: bool = True
    hits: list[str] = field(default_factory=list)

    def matches(self, method: str, template: str | None, path: str) -> bool:
        return self.method == method.upper() and self.path in (template, path)


class Faults:
    def __init__(self) -> None:
        self._pending: list[Fault] = []
        self.fired: list[tuple[str, str, int | None]] = []
        self.event_delay: float = 0.0

    def fail_next(
        self,
        method: str,
        path: str,
        *,
        status: int | None = 500,
        count: int = 1,
        delay: float = 0.0,
        retry_after: float = 0.1,
        is_global: bool = False,
        via: bool = True,
    ) -> Fault:
        """The next ``count`` calls to ``method path`` (a template such as
        ``/channels/{channel_id}/messages`` or a concrete path) wait ``delay`` seconds and then
        answer ``status`` (500/502/503/429...). ``status=None`` only delays. A 429 carries
        ``retry_after`` and a ``Via`` header unless ``via=False`` (a Cloudflare-style ban)."""
        fault = Fault(method.upper(), path, status, count, delay, retry_after, is_global, via)
        self._pending.append(fault)
        return fault

    def delay_next(self, method: str, path: str, seconds: float, *, count: int = 1) -> Fault:
        return self.fail_next(method, path, status=None, count=count, delay=seconds)

    def delay_events(self, seconds: float) -> None:
        """Delay every gateway dispatch by ``seconds`` (0 to stop)."""
        self.event_delay = seconds

    def clear(self) -> None:
        self._pending.clear()
        self.event_delay = 0.0

    def take(self, method: str, template: str | None, path: str) -> Fault | None:
        for fault in self._pending:
            if fault.remaining > 0 and fault.matches(method, template, path):
                fault.remaining -= 1
                fault.hits.append(path)
                if fault.remaining == 0:
                    self._pending.remove(fault)
                self.fired.append((method, path, fault.status))
                return fault
        return None
