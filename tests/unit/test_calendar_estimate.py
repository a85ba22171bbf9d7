"""Years after the last State Council notice: the statutory holidays the law fixes, loudly."""

from __future__ import annotations

import logging
import subprocess
import sys
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest

from bot.calendar import CalendarPolicy, Coverage, WorkingCalendar
from bot.calendar_estimate import FIRST_ESTIMATED_YEAR, statutory_estimate
from bot.settings import Settings
from tests.support.calendars import no_notice_after_2026  # noqa: F401 (a fixture)
from tests.support.factories import make_desk

SHANGHAI = ZoneInfo("Asia/Shanghai")
LAW_2027 = {  # 国务院《全国年节及纪念日放假办法》(2024): 13 days; lunar dates of 2027
    date(2027, 1, 1): "元旦",
    date(2027, 2, 5): "农历除夕",
    date(2027, 2, 6): "春节",
    date(2027, 2, 7): "春节",
    date(2027, 2, 8): "春节",  # 初三, a Monday
    date(2027, 4, 5): "清明节",
    date(2027, 5, 1): "劳动节",
    date(2027, 5, 2): "劳动节",
    date(2027, 6, 9): "端午节",
    date(2027, 9, 15): "中秋节",
    date(2027, 10, 1): "国庆节",
    date(2027, 10, 2): "国庆节",
    date(2027, 10, 3): "国庆节",
}


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


def test_the_2027_estimate_is_the_law_and_nothing_more() -> None:
    estimate = statutory_estimate(2027)
    assert dict(estimate.statutory) == LAW_2027
    # the package's own guess at 补假 is kept apart and named as such
    assert date(2027, 2, 9) in estimate.observed_guess
    assert date(2027, 10, 4) in estimate.observed_guess
    assert not set(estimate.observed_guess) & set(estimate.statutory)


@pytest.mark.parametrize("year", range(2027, 2036))
def test_every_future_year_has_the_thirteen_statutory_days(year: int) -> None:
    statutory = statutory_estimate(year).statutory
    names = [name for joined in statutory.values() for name in joined.split("、")]
    assert len(names) == 13  # 中秋 may fall within 国庆 (2028, 2031): one day, two holidays
    assert sorted(set(names)) == sorted({"元旦", "农历除夕", "春节", "清明节", "劳动节", "端午节",
                                         "中秋节", "国庆节"})
    eve = next(d for d, name in statutory.items() if name == "农历除夕")
    assert [statutory.get(eve + timedelta(days=i)) for i in (1, 2, 3)] == ["春节"] * 3


@pytest.mark.parametrize("year", [2025, 2026])
def test_the_estimate_agrees_with_the_notices_since_the_2024_amendment(year: int) -> None:
    for day in statutory_estimate(year).statutory:
        assert chinese_calendar.is_holiday(day), day


@pytest.mark.usefixtures("no_notice_after_2026")
def test_2027_statutory_days_are_not_working_days() -> None:
    cal = WorkingCalendar()
    assert cal.year_coverage(2027) == Coverage(2027, False, "statutory_estimate")
    assert not cal.is_working_day(date(2027, 2, 8))  # the example: 初三, a Monday
    assert not cal.is_working_day(date(2027, 10, 1))
    assert not cal.is_working_day(date(2027, 2, 5))  # 除夕
    assert cal.is_working_day(date(2027, 2, 4))
    # the package's 补假 guess is not counted: the notice may instead move a weekend
    assert cal.is_working_day(date(2027, 2, 9))
    # Friday 2027-02-04 17:00 + 1 h of working time: 除夕 … 初三 off, back on Tuesday
    assert cal.add_working_minutes(at(2027, 2, 4, 17, 0), 60) == at(2027, 2, 9, 9, 30)
    assert cal.working_minutes_between(at(2027, 9, 30, 9, 0), at(2027, 10, 8, 9, 0)) == (
        420 * 5  # 9-30 and 10-4 … 10-7 work; 10-1 (Friday) … 10-3 are statutory
    )


@pytest.mark.usefixtures("no_notice_after_2026")
def test_each_day_tells_its_kind_and_source() -> None:
    cal = WorkingCalendar()
    eve = cal.day(date(2027, 2, 5))
    assert (eve.kind, eve.source, eve.holiday, eve.working) == (
        "holiday", "statutory_estimate", "农历除夕", False)
    saturday = cal.day(date(2027, 2, 6))
    assert (saturday.kind, saturday.holiday) == ("holiday", "春节")
    guessed = cal.day(date(2027, 2, 9))
    assert (guessed.kind, guessed.source, guessed.working) == (
        "workday", "statutory_estimate", True)
    assert guessed.observed_guess == "春节（补假）"
    assert cal.day(date(2027, 2, 13)).kind == "weekend"
    notice = cal.day(date(2026, 2, 14))  # a Saturday the 2026 notice made a working day
    assert (notice.kind, notice.source, notice.holiday) == ("makeup_workday", "notice", "春节")
    assert cal.day(date(2026, 10, 1)).holiday == "国庆节"


@pytest.mark.usefixtures("no_notice_after_2026")
def test_config_days_win_in_an_estimated_year() -> None:
    cal = WorkingCalendar(CalendarPolicy(extra_workdays=frozenset({date(2027, 2, 8)}),
                                         extra_holidays=frozenset({date(2027, 2, 9)})))
    assert cal.is_working_day(date(2027, 2, 8))
    assert not cal.is_working_day(date(2027, 2, 9))
    assert cal.day(date(2027, 2, 8)).source == "config"
    assert cal.day(date(2027, 2, 8)).kind == "makeup_workday"
    assert cal.year_coverage(2027).source == "statutory_estimate"  # not declared: still unknown


@pytest.mark.usefixtures("no_notice_after_2026")
def test_one_loud_warning_per_estimated_year(caplog: pytest.LogCaptureFixture) -> None:
    cal = WorkingCalendar()
    with caplog.at_level(logging.WARNING, logger="bot.calendar"):
        coverages = cal.warn_unconfirmed((2026, 2027))
        cal.is_working_day(date(2027, 3, 1))  # building the year does not warn again
        cal.warn_unconfirmed((2027,))
        cal.is_working_day(date(2026, 3, 1))
    assert [c.source for c in coverages] == ["notice", "statutory_estimate"]
    assert len(caplog.records) == 1
    record = caplog.records[0]
    assert record.levelno == logging.WARNING
    assert "2027" in record.getMessage() and "调休" in record.getMessage()
    assert "declared_years" in record.getMessage()


def test_before_the_package_s_first_year_only_the_weekday_rule(
        caplog: pytest.LogCaptureFixture) -> None:
    from holidays.countries.china import China

    assert China.start_year == FIRST_ESTIMATED_YEAR
    cal = WorkingCalendar()
    assert cal.year_coverage(1949) == Coverage(1949, False, "weekday_rule")
    with caplog.at_level(logging.WARNING, logger="bot.calendar"):
        assert cal.is_working_day(date(1949, 10, 3))  # a Monday
    assert "working weekdays only" in caplog.text
    assert cal.day(date(1949, 10, 3)).source == "weekday_rule"


def test_starting_the_bot_does_not_import_the_holidays_package() -> None:
    code = ("import sys, datetime, bot.app, bot.cli, bot.doctor; "
            "from bot.calendar import WorkingCalendar; "
            "WorkingCalendar().is_working_day(datetime.date(2026, 5, 1)); "
            "print('holidays' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, timeout=60)
    assert result.stdout.strip() == "False"


@pytest.mark.usefixtures("no_notice_after_2026")
def test_opening_the_desk_warns_about_next_year(settings: Settings,
                                                caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.calendar"):
        desk = make_desk(settings, start=datetime(2026, 12, 2, 3, tzinfo=ZoneInfo("UTC")))
        try:
            desk.calendar.is_working_day(date(2027, 2, 8))
        finally:
            desk.close()
    messages = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(messages) == 1 and "no State Council notice for 2027" in messages[0]
