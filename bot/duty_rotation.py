"""Duty rotation arithmetic: whose turn it is at an instant, from a team's `[teams.duty]`.

Without an after-hours rotation, the rotation covers the whole day: shifts run from one
hand-off (`handoff`, e.g. 09:00) to the next — every day or every week (on
`handoff_weekday`). With `follow_calendar`, hand-offs happen only on working days of the
desk's working calendar (statutory holidays and weekends are skipped, make-up days count),
so Friday's person stays on until the next working morning.

With an after-hours rotation, the day rotation covers working days from `handoff` to
`after_hours_start` (default: the end of the calendar's last working interval, 17:30); the
rest — nights, and with `follow_calendar` whole weekends and holidays — belongs to the
after-hours rotation, which hands off every calendar day at `handoff`.

A rotation's turns are counted from `anchor`, the date of rotation[0]'s first shift.
Everything here is pure: no database, no clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.calendar import WorkingCalendar
from bot.settings import DutySettings

DAY, AFTER_HOURS, OVERRIDE = "day", "after_hours", "override"
_SEARCH_DAYS = 400  # the longest run of non-working days we look across


@dataclass(frozen=True)
class Shift:
    """Someone's turn on duty: who (Telegram id), from when, until when (UTC), which kind."""

    telegram_id: int
    starts_at: datetime
    ends_at: datetime
    kind: str


class Rotation:
    """One team's rotation under the desk's working calendar."""

    def __init__(self, spec: DutySettings, calendar: WorkingCalendar, timezone: str) -> None:
        self.spec = spec
        self.calendar = calendar
        self.tz = ZoneInfo(timezone)
        self.after_hours_start = spec.after_hours_start or calendar.policy.intervals[-1][1]
        if spec.after_hours_rotation and self.after_hours_start <= spec.handoff:
            raise ValueError("after-hours duty must start after the hand-off time")

    @property
    def split(self) -> bool:
        """True when nights and holidays have their own rotation."""
        return bool(self.spec.after_hours_rotation)

    def shift_at(self, at: datetime) -> Shift:
        """The shift that covers `at`."""
        local = at.astimezone(self.tz)
        if self.split:
            return self._split_shift(local)
        if self.spec.period == "week":
            return self._week_shift(local)
        return self._day_shift(local)

    def next_shift(self, at: datetime) -> Shift:
        """The shift after the one covering `at` (shifts are contiguous)."""
        return self.shift_at(self.shift_at(at).ends_at)

    # -- days and moments -------------------------------------------------------------

    def is_roster_day(self, day: date) -> bool:
        """A day with a hand-off: a working day if the team follows the calendar, else any."""
        return self.calendar.is_working_day(day) if self.spec.follow_calendar else True

    def _moment(self, day: date, clock: time) -> datetime:
        return datetime.combine(day, clock, self.tz).astimezone(UTC)

    def _roster_days_between(self, start: date, end: date) -> int:
        """Roster days in [start, end); negative if end is before start."""
        if end < start:
            return -self._roster_days_between(end, start)
        if not self.spec.follow_calendar:
            return (end - start).days
        return sum(self.is_roster_day(start + timedelta(days=i))
                   for i in range((end - start).days))

    def _roster_day_on_or_before(self, day: date) -> date:
        for _ in range(_SEARCH_DAYS):
            if self.is_roster_day(day):
                return day
            day -= timedelta(days=1)
        return day

    def _roster_day_after(self, day: date) -> date:
        for _ in range(_SEARCH_DAYS):
            day += timedelta(days=1)
            if self.is_roster_day(day):
                return day
        return day

    def _person(self, rotation: tuple[int, ...], turn: int) -> int:
        return rotation[turn % len(rotation)]

    # -- the day rotation ---------------------------------------------------------------

    def _day_person(self, day: date) -> int:
        return self._person(self.spec.rotation, self._roster_days_between(self.spec.anchor, day))

    def _day_shift(self, local: datetime) -> Shift:
        day = local.date()
        if local.time() < self.spec.handoff:
            day -= timedelta(days=1)
        day = self._roster_day_on_or_before(day)
        following = self._roster_day_after(day)
        return Shift(self._day_person(day), self._moment(day, self.spec.handoff),
                     self._moment(following, self.spec.handoff), DAY)

    # -- the week rotation --------------------------------------------------------------

    def _handoff_day(self, monday: date) -> date:
        """The week's hand-off day: handoff_weekday, or the first roster day after it."""
        nominal = monday + timedelta(days=self.spec.handoff_weekday - 1)
        for offset in range(7 - self.spec.handoff_weekday + 1):
            candidate = nominal + timedelta(days=offset)
            if self.is_roster_day(candidate):
                return candidate
        return nominal

    def _week_of(self, local: datetime) -> date:
        """The Monday of the rotation week covering `local`."""
        monday = local.date() - timedelta(days=local.date().weekday())
        if local < self._moment(self._handoff_day(monday), self.spec.handoff):
            monday -= timedelta(days=7)
        return monday

    def _week_person(self, monday: date) -> int:
        anchor = self.spec.anchor - timedelta(days=self.spec.anchor.weekday())
        return self._person(self.spec.rotation, (monday - anchor).days // 7)

    def _week_shift(self, local: datetime) -> Shift:
        monday = self._week_of(local)
        following = monday + timedelta(days=7)
        return Shift(self._week_person(monday),
                     self._moment(self._handoff_day(monday), self.spec.handoff),
                     self._moment(self._handoff_day(following), self.spec.handoff), DAY)

    # -- working hours and after hours ----------------------------------------------------

    def _split_shift(self, local: datetime) -> Shift:
        day, clock = local.date(), local.time()
        handoff, evening = self.spec.handoff, self.after_hours_start
        if self.is_roster_day(day) and handoff <= clock < evening:
            if self.spec.period == "week":
                person = self._week_person(self._week_of(local))
            else:
                person = self._day_person(day)
            return Shift(person, self._moment(day, handoff), self._moment(day, evening), DAY)
        night_of = day if clock >= handoff else day - timedelta(days=1)
        begins = evening if self.is_roster_day(night_of) else handoff
        person = self._person(self.spec.after_hours_rotation,
                              (night_of - self.spec.anchor).days)
        return Shift(person, self._moment(night_of, begins),
                     self._moment(night_of + timedelta(days=1), handoff), AFTER_HOURS)
