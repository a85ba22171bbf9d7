"""The working calendar: which instants count as working time, and SLA arithmetic over them.

Working time is a set of daily intervals (default 09:00–12:00 and 13:30–17:30, Asia/Shanghai)
on working days. A day's status is decided in this order (bot.calendar_days): the config's
extra holidays and make-up days (调休); then the year's source: a year declared in the config
follows the weekday rule around those lists, a year chinesecalendar knows follows the State
Council's notice, and a later year counts the statutory holidays the law fixes (an estimate: its
调休 are not known yet), logging one warning per year (`year_coverage` tells `govdesk doctor`).

Arithmetic is done in integer microseconds of working time, so results are exact to the
microsecond: minutes in are rounded to the nearest microsecond, minutes out are microseconds / 6e7.
Days and intervals are reasoned about in the policy's local wall-clock time; datetimes in may be in
any time zone but must be aware, and datetimes out are UTC. Each year is summarised once into a
prefix sum of working time per day, so every call is a few bisections, never a loop over minutes.
"""

from __future__ import annotations

import logging
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.calendar_days import Coverage, Day, classify, year_coverage

__all__ = ["CalendarPolicy", "Coverage", "Day", "TwentyFourSeven", "WorkingCalendar",
           "WorkingTime", "check_intervals"]

logger = logging.getLogger(__name__)

US_PER_MINUTE = 60_000_000
_US_PER_SECOND = 1_000_000
_MONDAY_TO_FRIDAY = frozenset({1, 2, 3, 4, 5})
DEFAULT_INTERVALS = ((time(9, 0), time(12, 0)), (time(13, 30), time(17, 30)))


class WorkingTime(Protocol):
    """What SLA code needs from a clock policy: working calendar or plain 24 × 7 time."""

    def add_working_minutes(self, start: datetime, minutes: float) -> datetime: ...

    def working_minutes_between(self, a: datetime, b: datetime) -> float: ...

    def next_working_moment(self, dt: datetime) -> datetime: ...

    def is_working_time(self, dt: datetime) -> bool: ...


@dataclass(frozen=True)
class CalendarPolicy:
    """The site's working-time rules; weekdays are ISO numbers (1 = Monday … 7 = Sunday)."""

    timezone: str = "Asia/Shanghai"
    intervals: tuple[tuple[time, time], ...] = DEFAULT_INTERVALS
    weekdays: frozenset[int] = _MONDAY_TO_FRIDAY
    extra_holidays: frozenset[date] = field(default_factory=frozenset)
    extra_workdays: frozenset[date] = field(default_factory=frozenset)
    declared_years: frozenset[int] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
            raise ValueError(f"未知的时区 {self.timezone!r}（例如 Asia/Shanghai）") from exc
        check_intervals(self.intervals)
        if not self.weekdays or not self.weekdays <= set(range(1, 8)):
            raise ValueError("工作日应为 1（周一）到 7（周日）中的至少一天")
        both = self.extra_holidays & self.extra_workdays
        if both:
            listed = ", ".join(d.isoformat() for d in sorted(both))
            raise ValueError(f"这些日期同时列为节假日和调休工作日：{listed}")


def check_intervals(intervals: Iterable[tuple[time, time]]) -> None:
    """Raise ValueError (message in Chinese) unless intervals are non-empty, ordered, disjoint."""
    previous_end: time | None = None
    count = 0
    for start, end in intervals:
        count += 1
        if start.tzinfo is not None or end.tzinfo is not None:
            raise ValueError("工作时段是不带时区的当地时间")
        if start >= end:
            raise ValueError(f"工作时段 {start:%H:%M}-{end:%H:%M} 的结束时间不晚于开始时间")
        if previous_end is not None and start < previous_end:
            raise ValueError(f"工作时段 {start:%H:%M}-{end:%H:%M} 与前一时段重叠或顺序不对")
        previous_end = end
    if count == 0:
        raise ValueError("至少需要一个工作时段")


def _require_aware(dt: datetime) -> None:
    """Raise ValueError for a naive datetime."""
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"naive datetime {dt.isoformat()}: pass an aware datetime (UTC)")


def _us_of_day(t: time | datetime) -> int:
    """Microseconds since local midnight of a wall-clock time."""
    return ((t.hour * 60 + t.minute) * 60 + t.second) * _US_PER_SECOND + t.microsecond


@dataclass(frozen=True)
class _Year:
    """A year's working days as a prefix sum of working microseconds before each day."""

    first_ordinal: int
    working: tuple[bool, ...]
    prefix: tuple[int, ...]  # len(working) + 1 entries; prefix[-1] is the year's total


class WorkingCalendar:
    """Working-time arithmetic under a CalendarPolicy (the clock for P2–P4 SLAs)."""

    def __init__(self, policy: CalendarPolicy | None = None) -> None:
        self.policy = policy or CalendarPolicy()
        self._tz = ZoneInfo(self.policy.timezone)
        self._starts = tuple(_us_of_day(s) for s, _ in self.policy.intervals)
        self._lengths = tuple(_us_of_day(e) - _us_of_day(s) for s, e in self.policy.intervals)
        cumulative = [0]
        for length in self._lengths:
            cumulative.append(cumulative[-1] + length)
        self._before = tuple(cumulative[:-1])  # working time before interval k in a day
        self._upto = tuple(cumulative[1:])  # working time at the end of interval k
        self._day_total = cumulative[-1]
        self._years: dict[int, _Year] = {}
        self._warned: set[int] = set()

    @property
    def minutes_per_working_day(self) -> float:
        """Working minutes in one working day (420 by default): what "1 working day" means."""
        return self._day_total / US_PER_MINUTE

    def year_coverage(self, year: int) -> Coverage:
        """Say whether `year`'s days off and 调休 are known, and from which source."""
        return year_coverage(year, self.policy.declared_years)

    def covered_years(self, years: Iterable[int]) -> tuple[Coverage, ...]:
        """Coverage of each of `years` (doctor passes this year and the next)."""
        return tuple(self.year_coverage(y) for y in years)

    def is_working_day(self, d: date) -> bool:
        """Whether `d` (a local calendar date) is a working day."""
        table = self._year(d.year)
        return table.working[d.toordinal() - table.first_ordinal]

    def day(self, d: date) -> Day:
        """What `d` is (工作日 / 周末 / 法定节假日 / 调休上班) and the source that says so."""
        return classify(d, self.policy, self.year_coverage(d.year).source)

    def warn_unconfirmed(self, years: Iterable[int]) -> tuple[Coverage, ...]:
        """Log the warning for each of `years` whose 调休 are unknown (once per year)."""
        coverages = self.covered_years(years)
        for coverage in coverages:
            self._warn_once(coverage)
        return coverages

    def _warn_once(self, coverage: Coverage) -> None:
        """Log, once per year, that `coverage.year`'s 调休 (or all its holidays) are unknown."""
        if coverage.known or coverage.year in self._warned:
            return
        self._warned.add(coverage.year)
        year = coverage.year
        if coverage.source == "statutory_estimate":
            logger.warning(
                "no State Council notice for %d yet: counting only the statutory holidays the law "
                "fixes (元旦, 春节 from 除夕, 清明, 劳动节, 端午, 中秋, 国庆); its 调休 make-up "
                "working days are NOT known. When the notice is out, list its days in [calendar] "
                "holidays/workdays and add %d to declared_years", year, year)
        else:
            logger.warning(
                "no holiday data for %d: counting working weekdays only; list the State Council's "
                "schedule in [calendar] holidays/workdays and add %d to declared_years",
                year, year)

    def _year(self, year: int) -> _Year:
        """The cached summary of `year`, built on first use."""
        table = self._years.get(year)
        if table is None:
            table = self._years[year] = self._build_year(year)
        return table

    def _build_year(self, year: int) -> _Year:
        """Classify every day of `year` and sum its working time."""
        if not 1 <= year <= 9999:
            raise ValueError(f"year {year} is outside the calendar")
        coverage = self.year_coverage(year)
        self._warn_once(coverage)
        first = date(year, 1, 1)
        days = (date(year + 1, 1, 1) - first).days if year < 9999 else 365
        working = tuple(
            classify(first + timedelta(days=i), self.policy, coverage.source).working
            for i in range(days)
        )
        prefix = [0]
        for is_working in working:
            prefix.append(prefix[-1] + (self._day_total if is_working else 0))
        return _Year(first.toordinal(), working, tuple(prefix))

    def _local(self, dt: datetime) -> datetime:
        """`dt` as local wall-clock time, after checking it is aware."""
        _require_aware(dt)
        return dt.astimezone(self._tz)

    def _worked_in_year(self, local: datetime) -> int:
        """Working microseconds from the start of local's year up to `local`."""
        table = self._year(local.year)
        i = local.toordinal() - table.first_ordinal
        done = table.prefix[i]
        if table.working[i]:
            us = _us_of_day(local)
            k = bisect_right(self._starts, us) - 1
            if k >= 0:
                done += self._before[k] + min(us - self._starts[k], self._lengths[k])
        return done

    def _locate(self, year: int, target: int, strict: bool) -> datetime:
        """The instant (UTC) where working time since the start of `year` reaches `target`.

        Not strict: the earliest instant where it equals `target` (target > 0), which may be an
        interval's end. Strict: the instant after which it exceeds `target` (an interval's start
        if `target` falls in a gap).
        """
        find = bisect_right if strict else bisect_left
        while True:
            table = self._year(year)
            total = table.prefix[-1]
            if target < total or (not strict and target == total):
                break
            target -= total
            year += 1
        i = find(table.prefix, target) - 1
        rest = target - table.prefix[i]
        k = find(self._upto, rest)
        us = self._starts[k] + rest - self._before[k]
        day = date.fromordinal(table.first_ordinal + i)
        local = datetime.combine(day, time(), self._tz) + timedelta(microseconds=us)
        return local.astimezone(UTC)

    def is_working_time(self, dt: datetime) -> bool:
        """Whether `dt` falls inside a working interval (start inclusive, end exclusive)."""
        local = self._local(dt)
        if not self.is_working_day(local.date()):
            return False
        us = _us_of_day(local)
        k = bisect_right(self._starts, us) - 1
        return k >= 0 and us - self._starts[k] < self._lengths[k]

    def next_working_moment(self, dt: datetime) -> datetime:
        """`dt` itself if it is working time, else the start of the next working interval."""
        local = self._local(dt)
        return self._locate(local.year, self._worked_in_year(local), strict=True)

    def add_working_minutes(self, start: datetime, minutes: float) -> datetime:
        """The instant `minutes` of working time after `start` (an interval's end if exact)."""
        local = self._local(start)
        us = round(minutes * US_PER_MINUTE)
        if us < 0:
            raise ValueError(f"cannot add a negative amount of working time ({minutes} min)")
        if us == 0:
            return start.astimezone(UTC)
        return self._locate(local.year, self._worked_in_year(local) + us, strict=False)

    def working_minutes_between(self, a: datetime, b: datetime) -> float:
        """Working minutes from `a` to `b`; negative if `b` is before `a`."""
        la, lb = self._local(a), self._local(b)
        us = self._worked_in_year(lb) - self._worked_in_year(la)
        for year in range(la.year, lb.year):
            us += self._year(year).prefix[-1]
        for year in range(lb.year, la.year):
            us -= self._year(year).prefix[-1]
        return us / US_PER_MINUTE


class TwentyFourSeven:
    """Plain elapsed time, for 24 × 7 priorities (P1): every instant is working time."""

    def add_working_minutes(self, start: datetime, minutes: float) -> datetime:
        """`start` plus `minutes` of wall time, in UTC."""
        _require_aware(start)
        us = round(minutes * US_PER_MINUTE)
        if us < 0:
            raise ValueError(f"cannot add a negative amount of time ({minutes} min)")
        return start.astimezone(UTC) + timedelta(microseconds=us)

    def working_minutes_between(self, a: datetime, b: datetime) -> float:
        """Elapsed minutes from `a` to `b`; negative if `b` is before `a`."""
        _require_aware(a)
        _require_aware(b)
        return ((b - a) // timedelta(microseconds=1)) / US_PER_MINUTE

    def next_working_moment(self, dt: datetime) -> datetime:
        """`dt` itself, in UTC."""
        _require_aware(dt)
        return dt.astimezone(UTC)

    def is_working_time(self, dt: datetime) -> bool:
        """Always true."""
        _require_aware(dt)
        return True

