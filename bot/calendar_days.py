"""What each day is, and who says so: the config, the State Council's notice, or the law alone.

A year's source, in order of precedence:
- `config`: the year is in `[calendar] declared_years`; the admin listed its whole schedule in
  `holidays` / `workdays`, so those lists and the weekday rule decide every day;
- `notice`: chinesecalendar carries the State Council's notice for the year (holidays and 调休);
- `statutory_estimate`: no notice yet; the statutory holidays the law fixes are days off
  (bot.calendar_estimate), the 调休 are unknown, ordinary days follow the weekday rule;
- `weekday_rule`: before the first year the estimate covers: the weekday rule alone.
Days listed in `[calendar] holidays` / `workdays` win in every year (their source is `config`);
every other day takes its year's source, since that is what its status rests on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Literal

import chinese_calendar

from bot.calendar_estimate import FIRST_ESTIMATED_YEAR, statutory_estimate

if TYPE_CHECKING:
    from bot.calendar import CalendarPolicy

DayKind = Literal["workday", "weekend", "holiday", "makeup_workday"]
Source = Literal["config", "notice", "statutory_estimate", "weekday_rule"]
WORKING_KINDS = frozenset({"workday", "makeup_workday"})


@dataclass(frozen=True)
class Coverage:
    """Whether a year's days off and 调休 are known, and from where (for `govdesk doctor`)."""

    year: int
    known: bool
    source: Source


@dataclass(frozen=True)
class Day:
    """One calendar day: its kind, the source its kind rests on, and the holiday's name."""

    date: date
    kind: DayKind
    source: Source
    holiday: str = ""
    observed_guess: str = ""  # the `holidays` package's guess at a 补假 here; never counted

    @property
    def working(self) -> bool:
        return self.kind in WORKING_KINDS


def year_coverage(year: int, declared_years: frozenset[int]) -> Coverage:
    """The source of `year`: config-declared > chinesecalendar's notice > statutory estimate."""
    if year in declared_years:
        return Coverage(year, True, "config")
    if chinesecalendar_knows(year):
        return Coverage(year, True, "notice")
    if year >= FIRST_ESTIMATED_YEAR:
        return Coverage(year, False, "statutory_estimate")
    return Coverage(year, False, "weekday_rule")


def classify(d: date, policy: CalendarPolicy, source: Source) -> Day:
    """Decide one day of a year whose source is `source`."""
    if d in policy.extra_holidays:
        return Day(d, "holiday", "config")
    if d in policy.extra_workdays:
        return Day(d, "makeup_workday", "config")
    if source == "notice":
        if d in chinese_calendar.holidays:
            return Day(d, "holiday", source, _notice_name(chinese_calendar.holidays[d]))
        if d in chinese_calendar.workdays:
            return Day(d, "makeup_workday", source, _notice_name(chinese_calendar.workdays[d]))
    guess = ""
    if source == "statutory_estimate":
        estimate = statutory_estimate(d.year)
        if d in estimate.statutory:
            return Day(d, "holiday", source, estimate.statutory[d])
        guess = estimate.observed_guess.get(d, "")
    kind: DayKind = "workday" if d.isoweekday() in policy.weekdays else "weekend"
    return Day(d, kind, source, observed_guess=guess)


def _notice_name(english: str) -> str:
    """chinesecalendar's holiday name in Chinese ("Spring Festival" → 春节)."""
    try:
        return chinese_calendar.Holiday(english).chinese
    except ValueError:
        return english


def chinesecalendar_knows(year: int) -> bool:
    """Whether chinesecalendar has data for `year` (it raises NotImplementedError otherwise)."""
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True
