"""Fault injection and Telegram's flood limits, for tests of retries and outboxes."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

FAULT_KINDS = ("429", "500", "502", "timeout", "drop")
DOWN_MODES = ("drop", "502")


@dataclass
class PlannedFault:
    """The next `remaining` calls of `method` ('*' = any) fail with `kind`."""

    method: str
    kind: str
    remaining: int
    retry_after: int = 1


class LeakyBucket:
    """aiolimiter's model: capacity `rate` per `period` s, draining continuously."""

    def __init__(self, rate: float, period: float) -> None:
        self.capacity = rate
        self.drain_per_second = rate / period
        self.level = 0.0
        self.last = 0.0

    def overflow(self, now: float, tolerance: float) -> float:
        """Return how far one more message would overflow the bucket (<= 0: it fits)."""
        self.level = max(0.0, self.level - (now - self.last) * self.drain_per_second)
        self.last = now
        return self.level + 1 - self.capacity - tolerance

    def retry_after(self, excess: float) -> int:
        """Return whole seconds until `excess` has drained."""
        return max(1, math.ceil(excess / self.drain_per_second))


@dataclass
class RateLimits:
    """Telegram's flood limits: 30 messages/s overall, 20 messages/min into one group.

    Violations are always counted; with `enforce` they are also answered with 429.
    `tolerance` (in messages) absorbs network jitter between a client's limiter and us.
    """

    enforce: bool = False
    overall_per_second: float = 30
    group_per_minute: float = 20
    tolerance: float = 1.0
    violations: list[dict[str, Any]] = field(default_factory=list)
    clock: Callable[[], float] = time.monotonic
    _overall: LeakyBucket | None = field(default=None, init=False, repr=False)
    _groups: dict[int, LeakyBucket] = field(default_factory=dict, init=False, repr=False)

    @staticmethod
    def counts(method: str) -> bool:
        """Return True for methods that post or change a message."""
        name = method.lower()
        if name == "sendchataction":
            return False
        return name.startswith(("send", "edit", "copymessage", "forwardmessage"))

    def check(self, method: str, chat_id: Any) -> int | None:
        """Account for one call; return retry_after if it must be refused with 429."""
        if not self.counts(method):
            return None
        if self._overall is None:
            self._overall = LeakyBucket(self.overall_per_second, 1.0)
        buckets = [("overall", self._overall)]
        if isinstance(chat_id, int) and chat_id < 0:
            group = self._groups.setdefault(chat_id, LeakyBucket(self.group_per_minute, 60.0))
            buckets.append(("group", group))
        now = self.clock()
        worst = [(scope, b, b.overflow(now, self.tolerance)) for scope, b in buckets]
        over = [(scope, b, excess) for scope, b, excess in worst if excess > 0]
        for scope, _bucket, _excess in over:
            self.violations.append(
                {"method": method, "chat_id": chat_id, "scope": scope, "at": now}
            )
        if over and self.enforce:
            return max(bucket.retry_after(excess) for _scope, bucket, excess in over)
        for _scope, bucket, _excess in worst:
            bucket.level += 1
        return None


class Faults:
    """What the next Bot API calls should suffer: planned failures or a full outage."""

    def __init__(self, on_change: Callable[[], None] | None = None) -> None:
        self.planned: list[PlannedFault] = []
        self.down = False
        self.down_mode = "drop"
        self.timeout_hold = 30.0
        self.injected: list[tuple[str, str]] = []
        self.rate_limits = RateLimits()
        self._on_change = on_change

    def fail_next(self, method: str, n: int = 1, kind: str = "500", retry_after: int = 1) -> None:
        """Make the next `n` calls of `method` ('*' for any) fail with `kind`.

        Kinds: '429' (parameters.retry_after), '500', '502', 'timeout' (held for
        `timeout_hold` seconds, then the connection is dropped), 'drop' (connection closed).
        """
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; use one of {FAULT_KINDS}")
        self.planned.append(PlannedFault(method.lower(), kind, n, retry_after))

    def set_down(self, down: bool = True, mode: str = "drop") -> None:
        """Make every bot request fail (mode 'drop': connection closed; '502': Bad Gateway)."""
        if mode not in DOWN_MODES:
            raise ValueError(f"unknown down mode {mode!r}; use one of {DOWN_MODES}")
        self.down = down
        self.down_mode = mode
        if self._on_change is not None:
            self._on_change()

    def clear(self) -> None:
        """Forget planned faults and come back up."""
        self.planned.clear()
        self.set_down(False)

    def take(self, method: str) -> PlannedFault | None:
        """Consume and return the planned fault for this call, if any."""
        name = method.lower()
        for fault in self.planned:
            if fault.remaining > 0 and fault.method in (name, "*"):
                fault.remaining -= 1
                self.injected.append((method, fault.kind))
                if fault.remaining == 0:
                    self.planned.remove(fault)
                return fault
        return None
