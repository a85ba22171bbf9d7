"""Parse the config's `[calendar]` values and build a CalendarPolicy from the loaded settings.

The config keys (see bot/defaults.toml): `working_hours = ["09:00-12:00", "13:30-17:30"]`,
`working_weekdays = [1, 2, 3, 4, 5]` (ISO, 1 = Monday), `holidays` and `workdays` (dates
"YYYY-MM-DD", TOML dates or inclusive ranges "YYYY-MM-DD..YYYY-MM-DD"), and `declared_years`:
the years whose whole State Council schedule the admin has listed, which then count as known.
Parsers raise ValueError with a Chinese message; the config loader prefixes the key.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Protocol

from bot.calendar import CalendarPolicy, check_intervals

_TIME = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")
_INTERVAL_SEPARATOR = re.compile(r"\s*[-–—~～－]\s*")
_WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_MAX_RANGE_DAYS = 366


class CalendarSettingsLike(Protocol):
    """The loaded `[calendar]` section (bot.settings.CalendarSettings has these fields)."""

    working_hours: tuple[tuple[time, time], ...]
    working_weekdays: Iterable[int]
    holidays: Iterable[date]
    workdays: Iterable[date]
    declared_years: Iterable[int]


def parse_time(text: str) -> time:
    """Parse "HH:MM" on the 24-hour clock."""
    match = _TIME.match(text) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"{text!r} 不是 HH:MM 格式的时间（例如 09:00）")
    hour, minute = int(match[1]), int(match[2])
    if hour > 23 or minute > 59:
        raise ValueError(f"{text!r} 不是有效的时间（00:00 … 23:59）")
    return time(hour, minute)


def parse_intervals(items: Iterable[str]) -> tuple[tuple[time, time], ...]:
    """Parse ["09:00-12:00", "13:30-17:30"] into ordered, non-overlapping (start, end) pairs."""
    if isinstance(items, str):
        raise ValueError(f'应为列表，例如 ["09:00-12:00"]，而不是字符串 {items!r}')
    intervals = []
    for item in items:
        parts = _INTERVAL_SEPARATOR.split(item.strip()) if isinstance(item, str) else []
        if len(parts) != 2:
            raise ValueError(f"{item!r} 不是时段，应为 HH:MM-HH:MM（例如 09:00-12:00）")
        intervals.append((parse_time(parts[0]), parse_time(parts[1])))
    check_intervals(intervals)
    return tuple(intervals)


def parse_weekdays(items: Iterable[int | str]) -> frozenset[int]:
    """Parse ISO weekday numbers (1 = Monday … 7 = Sunday) or English names ("mon", "Tuesday")."""
    if isinstance(items, str):
        raise ValueError(f"应为列表，例如 [1, 2, 3, 4, 5]，而不是字符串 {items!r}")
    days = set()
    for item in items:
        name = item.strip().lower()[:3] if isinstance(item, str) else None
        if name in _WEEKDAY_NAMES:
            days.add(_WEEKDAY_NAMES.index(name) + 1)
        elif isinstance(item, int) and not isinstance(item, bool) and 1 <= item <= 7:
            days.add(item)
        else:
            raise ValueError(f"{item!r} 不是星期几，取值应为 1（周一）到 7（周日）")
    if not days:
        raise ValueError("至少需要一个工作日")
    return frozenset(days)


def parse_date(item: object) -> date:
    """Parse one "YYYY-MM-DD" string, or accept a TOML date."""
    if isinstance(item, date) and not isinstance(item, datetime):
        return item
    if isinstance(item, str):
        try:
            return date.fromisoformat(item.strip())
        except ValueError:
            pass
    raise ValueError(f"{item!r} 不是日期（格式 2027-10-01）")


def parse_dates(items: Iterable[object]) -> frozenset[date]:
    """Parse dates and inclusive ranges ("2027-10-01..2027-10-07") into a set of days."""
    if isinstance(items, str):
        raise ValueError(f'应为列表，例如 ["2027-10-01"]，而不是字符串 {items!r}')
    days: set[date] = set()
    for item in items:
        if isinstance(item, str) and ".." in item:
            first_text, _, last_text = item.partition("..")
            first, last = parse_date(first_text), parse_date(last_text)
            span = (last - first).days
            if not 0 <= span < _MAX_RANGE_DAYS:
                raise ValueError(f"{item!r} 不是有效的日期范围（先早后晚，不超过一年）")
            days.update(first + timedelta(days=i) for i in range(span + 1))
        else:
            days.add(parse_date(item))
    return frozenset(days)


def policy_from_settings(
    calendar: CalendarSettingsLike, timezone: str = "Asia/Shanghai"
) -> CalendarPolicy:
    """Build the CalendarPolicy for the loaded `[calendar]` settings and the desk's time zone."""
    return CalendarPolicy(
        timezone=timezone,
        intervals=tuple(calendar.working_hours),
        weekdays=frozenset(calendar.working_weekdays),
        extra_holidays=frozenset(calendar.holidays),
        extra_workdays=frozenset(calendar.workdays),
        declared_years=frozenset(calendar.declared_years),
    )
