"""The remembered webhook targets: fresh for a few seconds, forgotten on demand, pruned."""

from __future__ import annotations

from bot.db.webhooks import Target
from bot.services.webhook_targets import PRUNE_ABOVE, REMEMBER_SECONDS, WebhookTargets


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def target(petition_id: int, nonce: str = "n") -> Target:
    return Target(petition_id, 1, f"CODE{petition_id:02d}", False, nonce)


def test_a_target_is_remembered_for_a_few_seconds_then_read_again() -> None:
    clock = Clock()
    targets = WebhookTargets(clock)
    assert targets.get("ABCDEF") is None
    targets.remember("ABCDEF", target(1))
    clock.now += REMEMBER_SECONDS - 0.1
    assert targets.get("ABCDEF") == target(1)
    clock.now += 0.2
    assert targets.get("ABCDEF") is None


def test_forgetting_is_immediate_and_expired_codes_are_pruned() -> None:
    clock = Clock()
    targets = WebhookTargets(clock)
    targets.remember("ABCDEF", target(1))
    targets.forget("ABCDEF")
    targets.forget("NEVERS")  # forgetting what was never remembered is fine
    assert targets.get("ABCDEF") is None
    for n in range(PRUNE_ABOVE + 1):
        targets.remember(f"OLD{n:04d}", target(n))
    clock.now += REMEMBER_SECONDS + 1
    targets.remember("FRESH1", target(2))
    assert len(targets._found) == 1 and targets.get("FRESH1") == target(2)
