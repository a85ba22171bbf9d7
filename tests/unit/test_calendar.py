"""The working calendar: lunch, weekends, 调休, config holidays, unknown years, arithmetic."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.calendar import (
    DEFAULT_INTERVALS,
    CalendarPolicy,
    Coverage,
    TwentyFourSeven,
    WorkingCalendar,
    WorkingTime,
)
from bot.calendar_config import (
    parse_dates,
    parse_intervals,
    parse_weekdays,
    policy_from_settings,
)
from bot.settings import CalendarSettings

SHANGHAI = ZoneInfo("Asia/Shanghai")
CAL = WorkingCalendar()
ONE_US = timedelta(microseconds=1)


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    """An instant given in Beijing wall-clock time."""
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


def days(first: date, last: date) -> list[date]:
    """Every date from `first` to `last`, inclusive."""
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


# -- one day ---------------------------------------------------------------------------------


def test_lunch_break_is_not_working_time() -> None:
    assert CAL.add_working_minutes(at(2026, 3, 10, 11, 30), 60) == at(2026, 3, 10, 14, 0)
    assert CAL.working_minutes_between(at(2026, 3, 10, 11, 30), at(2026, 3, 10, 14, 0)) == 60
    assert CAL.working_minutes_between(at(2026, 3, 10, 12, 0), at(2026, 3, 10, 13, 30)) == 0
    assert not CAL.is_working_time(at(2026, 3, 10, 12, 0))
    assert not CAL.is_working_time(at(2026, 3, 10, 13, 29))
    assert CAL.is_working_time(at(2026, 3, 10, 13, 30))
    assert CAL.next_working_moment(at(2026, 3, 10, 12, 15)) == at(2026, 3, 10, 13, 30)


def test_exact_fit_lands_on_the_interval_end() -> None:
    assert CAL.add_working_minutes(at(2026, 3, 10, 9, 0), 180) == at(2026, 3, 10, 12, 0)
    assert CAL.add_working_minutes(at(2026, 3, 10, 9, 0), 420) == at(2026, 3, 10, 17, 30)
    assert CAL.add_working_minutes(at(2026, 3, 10, 9, 0), 421) == at(2026, 3, 11, 9, 1)


def test_a_working_day_is_seven_hours() -> None:
    assert CAL.minutes_per_working_day == 420
    assert CAL.working_minutes_between(at(2026, 3, 10), at(2026, 3, 11)) == 420


def test_results_are_utc_and_inputs_may_be_any_zone() -> None:
    start_utc = at(2026, 3, 10, 11, 30).astimezone(UTC)
    result = CAL.add_working_minutes(start_utc, 60)
    assert result.tzinfo is UTC
    assert result == datetime(2026, 3, 10, 6, 0, tzinfo=UTC)
    assert CAL.next_working_moment(at(2026, 3, 10, 8, 0)).tzinfo is UTC


def test_naive_datetimes_and_negative_minutes_are_refused() -> None:
    naive = datetime(2026, 3, 10, 10, 0)
    for call in (
        lambda: CAL.add_working_minutes(naive, 5),
        lambda: CAL.working_minutes_between(naive, at(2026, 3, 10)),
        lambda: CAL.next_working_moment(naive),
        lambda: CAL.is_working_time(naive),
        lambda: TwentyFourSeven().add_working_minutes(naive, 5),
    ):
        with pytest.raises(ValueError, match="naive"):
            call()
    with pytest.raises(ValueError, match="negative"):
        CAL.add_working_minutes(at(2026, 3, 10), -1)


def test_adding_nothing_returns_the_start_even_outside_working_time() -> None:
    assert CAL.add_working_minutes(at(2026, 3, 14, 10, 0), 0) == at(2026, 3, 14, 10, 0)


def test_fractional_minutes_round_to_the_microsecond() -> None:
    result = CAL.add_working_minutes(at(2026, 3, 10, 9, 0), 1.5)
    assert result == at(2026, 3, 10, 9, 1) + timedelta(seconds=30)
    assert CAL.working_minutes_between(at(2026, 3, 10, 9, 0), result) == 1.5


# -- weekends and holidays -----------------------------------------------------------------


def test_friday_evening_rolls_over_to_monday() -> None:
    friday = at(2026, 3, 13, 17, 0)
    assert CAL.add_working_minutes(friday, 60) == at(2026, 3, 16, 9, 30)
    assert CAL.working_minutes_between(friday, at(2026, 3, 16, 9, 30)) == 60
    assert CAL.next_working_moment(at(2026, 3, 14, 10, 0)) == at(2026, 3, 16, 9, 0)
    assert CAL.add_working_minutes(at(2026, 3, 14, 10, 0), 30) == at(2026, 3, 16, 9, 30)


def test_library_knows_2026_national_day_and_its_make_up_days() -> None:
    for d in days(date(2026, 10, 1), date(2026, 10, 7)):
        assert chinese_calendar.get_holiday_detail(d) == (True, "National Day")
        assert not CAL.is_working_day(d)
    for d in (date(2026, 9, 20), date(2026, 10, 10)):  # a Sunday and a Saturday
        assert d.isoweekday() in (6, 7)
        assert chinese_calendar.get_holiday_detail(d) == (False, "National Day")
        assert CAL.is_working_day(d)
    for d in days(date(2026, 9, 25), date(2026, 9, 27)):
        assert chinese_calendar.get_holiday_detail(d) == (True, "Mid-autumn Festival")
    assert CAL.is_working_day(date(2026, 10, 8))


def test_national_day_week_2026() -> None:
    assert CAL.add_working_minutes(at(2026, 9, 30, 17, 0), 60) == at(2026, 10, 8, 9, 30)
    assert CAL.working_minutes_between(at(2026, 9, 30, 9, 0), at(2026, 10, 8, 9, 0)) == 420
    # Friday 9 October evening: the next working time is the make-up Saturday.
    assert CAL.add_working_minutes(at(2026, 10, 9, 17, 0), 60) == at(2026, 10, 10, 9, 30)
    assert CAL.add_working_minutes(at(2026, 10, 10, 17, 0), 60) == at(2026, 10, 12, 9, 30)


def test_national_day_week_2025() -> None:
    for d in days(date(2025, 10, 1), date(2025, 10, 8)):
        assert chinese_calendar.get_holiday_detail(d)[0] is True
        assert not CAL.is_working_day(d)
    for d in (date(2025, 9, 28), date(2025, 10, 11)):  # the make-up Sunday and Saturday
        assert chinese_calendar.get_holiday_detail(d) == (False, "National Day")
        assert CAL.is_working_day(d)
    assert not CAL.is_working_day(date(2025, 9, 27))
    assert CAL.add_working_minutes(at(2025, 9, 26, 17, 0), 60) == at(2025, 9, 28, 9, 30)
    assert CAL.add_working_minutes(at(2025, 9, 30, 17, 0), 60) == at(2025, 10, 9, 9, 30)
    assert CAL.add_working_minutes(at(2025, 10, 10, 17, 0), 60) == at(2025, 10, 11, 9, 30)


def test_agrees_with_chinesecalendar_on_every_day_it_knows() -> None:
    for d in days(date(2004, 1, 1), date(2026, 12, 31)):
        assert CAL.is_working_day(d) == chinese_calendar.is_workday(d), d


def test_config_days_win_over_the_library() -> None:
    cal = WorkingCalendar(
        CalendarPolicy(
            extra_holidays=frozenset({date(2026, 3, 13)}),
            extra_workdays=frozenset({date(2026, 10, 5)}),
        )
    )
    assert not cal.is_working_day(date(2026, 3, 13))
    assert cal.add_working_minutes(at(2026, 3, 12, 17, 0), 60) == at(2026, 3, 16, 9, 30)
    assert cal.is_working_day(date(2026, 10, 5))
    assert cal.add_working_minutes(at(2026, 9, 30, 17, 0), 60) == at(2026, 10, 5, 9, 30)


def test_custom_hours_and_weekdays() -> None:
    policy = CalendarPolicy(
        intervals=((time(8, 0), time(20, 0)),), weekdays=frozenset({1, 2, 3, 4, 5, 6})
    )
    cal = WorkingCalendar(policy)
    assert cal.is_working_day(date(2026, 3, 14))  # an ordinary Saturday
    assert not cal.is_working_day(date(2026, 10, 3))  # a statutory holiday still is not
    assert cal.add_working_minutes(at(2026, 3, 14, 19, 0), 120) == at(2026, 3, 16, 9, 0)


# -- years the library does not know (more in test_calendar_estimate.py) ----------------------


def test_a_year_declared_in_the_config_is_known(caplog: pytest.LogCaptureFixture) -> None:
    policy = CalendarPolicy(
        extra_holidays=frozenset({date(2027, 1, 1)}),
        extra_workdays=frozenset({date(2027, 1, 9)}),
        declared_years=frozenset({2027}),
    )
    cal = WorkingCalendar(policy)
    with caplog.at_level(logging.WARNING, logger="bot.calendar"):
        assert not cal.is_working_day(date(2027, 1, 1))
        assert cal.is_working_day(date(2027, 1, 9))  # a Saturday
        # declared: the admin's lists are the whole schedule, no statutory estimate is added
        assert cal.is_working_day(date(2027, 2, 8))
    assert not caplog.records
    assert cal.covered_years([2026, 2027, 2031]) == (
        Coverage(2026, True, "notice"),
        Coverage(2027, True, "config"),
        Coverage(2031, False, "statutory_estimate"),
    )


def test_a_declared_year_wins_over_the_notice() -> None:
    cal = WorkingCalendar(CalendarPolicy(declared_years=frozenset({2026})))
    assert cal.year_coverage(2026) == Coverage(2026, True, "config")
    assert cal.is_working_day(date(2026, 10, 1))  # the notice's holiday is not the config's
    assert cal.day(date(2026, 10, 1)).source == "config"


def test_measuring_across_new_year_and_backwards() -> None:
    a, b = at(2026, 12, 31, 17, 0), at(2031, 1, 6, 9, 30)
    # 2031-01-01 is a Wednesday and 元旦 by the statutory estimate; 01-02 and 01-03 work.
    assert CAL.add_working_minutes(at(2030, 12, 31, 17, 0), 60) == at(2031, 1, 2, 9, 30)
    assert CAL.working_minutes_between(a, at(2027, 1, 4, 9, 30)) == 30 + 30
    assert CAL.working_minutes_between(at(2027, 1, 4, 9, 30), a) == -(30 + 30)
    assert CAL.working_minutes_between(at(2025, 1, 1), b) == pytest.approx(
        CAL.working_minutes_between(at(2025, 1, 1), at(2029, 1, 1))
        + CAL.working_minutes_between(at(2029, 1, 1), b)
    )


# -- 24 × 7 ---------------------------------------------------------------------------------


def test_twenty_four_seven_is_plain_time() -> None:
    plain: WorkingTime = TwentyFourSeven()
    saturday_night = at(2026, 10, 3, 23, 50)
    assert plain.add_working_minutes(saturday_night, 15) == at(2026, 10, 4, 0, 5)
    assert plain.add_working_minutes(saturday_night, 15).tzinfo is UTC
    assert plain.working_minutes_between(saturday_night, at(2026, 10, 4, 3, 50)) == 240
    assert plain.working_minutes_between(at(2026, 10, 4, 3, 50), saturday_night) == -240
    assert plain.next_working_moment(saturday_night) == saturday_night
    assert plain.is_working_time(saturday_night)
    assert isinstance(CAL, WorkingCalendar)  # and the calendar satisfies the same protocol
    calendar_clock: WorkingTime = CAL
    assert calendar_clock.add_working_minutes(at(2026, 3, 10, 9, 0), 1) == at(2026, 3, 10, 9, 1)


# -- config parsing -------------------------------------------------------------------------


def test_parse_intervals() -> None:
    assert parse_intervals(["09:00-12:00", " 13:30 – 17:30 "]) == DEFAULT_INTERVALS
    assert parse_intervals(["8:30~12:00"]) == ((time(8, 30), time(12, 0)),)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("09:00-12:00", "应为列表"),
        (["09:00"], "不是时段"),
        (["9-12"], "不是 HH:MM"),
        (["25:00-26:00"], "不是有效的时间"),
        (["12:00-09:00"], "结束时间不晚于开始时间"),
        (["09:00-12:00", "11:00-13:00"], "重叠"),
        ([], "至少需要一个工作时段"),
        ([930], "不是时段"),
    ],
)
def test_parse_intervals_rejects_bad_input(value: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_intervals(value)  # type: ignore[arg-type]


def test_parse_dates_and_weekdays() -> None:
    assert parse_dates(["2027-10-01..2027-10-03", date(2027, 2, 14)]) == {
        date(2027, 10, 1),
        date(2027, 10, 2),
        date(2027, 10, 3),
        date(2027, 2, 14),
    }
    assert parse_weekdays([1, "Tue", "wednesday"]) == {1, 2, 3}
    for bad in (["2027-13-01"], ["2027-10-07..2027-10-01"], "2027-10-01"):
        with pytest.raises(ValueError):
            parse_dates(bad)
    for bad_days in ([0], [8], ["funday"], [], [True]):
        with pytest.raises(ValueError):
            parse_weekdays(bad_days)


def test_policy_from_settings_and_policy_checks() -> None:
    assert policy_from_settings(CalendarSettings()) == CalendarPolicy()
    settings_2027 = CalendarSettings(
        holidays=(date(2027, 1, 1),), workdays=(date(2027, 1, 9),), declared_years=(2027,)
    )
    policy = policy_from_settings(settings_2027, "Asia/Urumqi")
    assert policy.timezone == "Asia/Urumqi"
    assert policy.declared_years == {2027}
    for kwargs, message in [
        ({"timezone": "Mars/Olympus"}, "未知的时区"),
        ({"weekdays": frozenset()}, "工作日"),
        (
            {
                "extra_holidays": frozenset({date(2026, 6, 1)}),
                "extra_workdays": frozenset({date(2026, 6, 1)}),
            },
            "2026-06-01",
        ),
    ]:
        with pytest.raises(ValueError, match=message):
            CalendarPolicy(**kwargs)  # type: ignore[arg-type]


# -- properties -----------------------------------------------------------------------------

instants = st.datetimes(
    min_value=datetime(2025, 9, 1), max_value=datetime(2027, 2, 28), timezones=st.just(UTC)
)
minutes = st.integers(min_value=0, max_value=12_000)
prop = settings(max_examples=300, deadline=None, database=None)


@prop
@given(instants, minutes)
def test_adding_then_measuring_gives_back_the_minutes(t: datetime, m: int) -> None:
    assert CAL.working_minutes_between(t, CAL.add_working_minutes(t, m)) == m


@prop
@given(instants, st.floats(min_value=0, max_value=5000, allow_nan=False))
def test_fractional_round_trip_is_exact_to_the_microsecond(t: datetime, m: float) -> None:
    measured = CAL.working_minutes_between(t, CAL.add_working_minutes(t, m))
    assert measured == pytest.approx(m, abs=1e-6)


@prop
@given(instants, minutes, minutes)
def test_adding_is_additive(t: datetime, a: int, b: int) -> None:
    assert CAL.add_working_minutes(CAL.add_working_minutes(t, a), b) == CAL.add_working_minutes(
        t, a + b
    )


@prop
@given(instants, instants, instants)
def test_measuring_is_additive_over_a_split_point(a: datetime, b: datetime, c: datetime) -> None:
    whole = CAL.working_minutes_between(a, c)
    parts = CAL.working_minutes_between(a, b) + CAL.working_minutes_between(b, c)
    assert whole == pytest.approx(parts, abs=1e-6)


@prop
@given(instants, instants, minutes, minutes)
def test_monotonic(t1: datetime, t2: datetime, m1: int, m2: int) -> None:
    t1, t2 = min(t1, t2), max(t1, t2)
    m1, m2 = min(m1, m2), max(m1, m2)
    assert CAL.add_working_minutes(t1, m1) <= CAL.add_working_minutes(t1, m2)
    assert CAL.add_working_minutes(t1, m1) <= CAL.add_working_minutes(t2, m1)
    assert CAL.working_minutes_between(t1, t2) >= 0
    assert CAL.working_minutes_between(t1, t2) == -CAL.working_minutes_between(t2, t1)


@prop
@given(instants, st.integers(min_value=1, max_value=12_000))
def test_results_land_in_working_time_or_on_an_interval_end(t: datetime, m: int) -> None:
    result = CAL.add_working_minutes(t, m)
    assert CAL.is_working_time(result) or CAL.is_working_time(result - ONE_US)


@prop
@given(instants)
def test_next_working_moment_waits_without_skipping_working_time(t: datetime) -> None:
    moment = CAL.next_working_moment(t)
    assert moment >= t
    assert CAL.is_working_time(moment)
    assert CAL.working_minutes_between(t, moment) == 0
    if CAL.is_working_time(t):
        assert moment == t
