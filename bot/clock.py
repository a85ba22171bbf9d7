"""The desk's clock: domain code asks it for the time, never datetime.now()."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Something that tells the current time as an aware UTC datetime."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real wall clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class AdjustableClock:
    """A clock that runs with real time but can be moved forward (sandbox and tests).

    `advance()` adds an offset; time keeps flowing from there. `freeze()` stops it at a
    fixed instant, which tests use to make time fully deterministic.
    """

    def __init__(self, start: datetime | None = None, *, frozen: bool = False) -> None:
        self._lock = threading.Lock()
        base = datetime.now(UTC)
        self._offset = (start - base) if start is not None else timedelta(0)
        self._frozen_at: datetime | None = start if frozen else None

    def now(self) -> datetime:
        with self._lock:
            if self._frozen_at is not None:
                return self._frozen_at
            return datetime.now(UTC) + self._offset

    def advance(self, delta: timedelta) -> datetime:
        """Move the clock forward by `delta` and return the new time."""
        if delta < timedelta(0):
            raise ValueError("the desk clock only moves forward")
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at += delta
                return self._frozen_at
            self._offset += delta
            return datetime.now(UTC) + self._offset

    def set(self, when: datetime) -> None:
        """Freeze the clock at `when` (tests)."""
        with self._lock:
            self._frozen_at = when
