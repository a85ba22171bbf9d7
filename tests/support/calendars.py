"""The working calendar in tests: chinesecalendar's notices held at 2004–2026."""

from __future__ import annotations

import pytest

from bot import calendar_days


@pytest.fixture
def no_notice_after_2026(monkeypatch: pytest.MonkeyPatch) -> None:
    """chinesecalendar as it is today (2004–2026), whatever version is installed."""
    monkeypatch.setattr(calendar_days, "chinesecalendar_knows", lambda year: 2004 <= year <= 2026)
