"""`govdesk doctor`'s calendar lines: which source each year uses, and what to do about it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.clock import AdjustableClock
from bot.doctor import check_calendar
from bot.settings import CalendarSettings, Settings
from tests.support.calendars import no_notice_after_2026  # noqa: F401 (a fixture)


def clock_at(year: int, month: int = 12, day: int = 2) -> AdjustableClock:
    return AdjustableClock(datetime(year, month, day, 3, tzinfo=UTC), frozen=True)


@pytest.mark.usefixtures("no_notice_after_2026")
def test_this_year_from_the_notice_next_year_estimated() -> None:
    this_year, next_year = check_calendar(Settings(), clock_at(2026))
    assert this_year.ok and not this_year.warning
    assert this_year.line() == "✓ 2026 年节假日日历已知（来源：国务院放假通知（chinesecalendar））"
    assert next_year.ok and next_year.warning  # ⚠ does not fail the run
    line = next_year.line()
    assert line.startswith("⚠ 2027 年放假通知尚未收录（来源：法定节假日估算）")
    assert "调休上班日未知" in line
    assert "[calendar]" in line and "把 2027 加入 declared_years" in line
    assert "govdesk calendar show 2027-01" in line


@pytest.mark.usefixtures("no_notice_after_2026")
def test_a_declared_year_comes_from_the_config() -> None:
    settings = Settings(calendar=CalendarSettings(declared_years=(2027,)))
    lines = [check.line() for check in check_calendar(settings, clock_at(2026))]
    assert lines[1] == "✓ 2027 年节假日日历已知（来源：配置文件 [calendar]）"


@pytest.mark.usefixtures("no_notice_after_2026")
def test_an_estimated_current_year_warns_without_failing() -> None:
    checks = check_calendar(Settings(), clock_at(2027, 3, 1))
    assert [(c.ok, c.warning) for c in checks] == [(True, True), (True, True)]
    assert [c.text[:4] for c in checks] == ["2027", "2028"]
    assert all("法定节假日估算" in c.text for c in checks)


def test_a_year_with_no_source_at_all_fails() -> None:
    this_year, next_year = check_calendar(Settings(), clock_at(1949))
    assert not this_year.ok
    assert this_year.line().startswith("✗ 1949 年节假日未知：将只按周末计算工作日")
    assert next_year.warning and "1950 年放假通知尚未收录" in next_year.text
