"""The duty roster (值班表): who is on duty for a team now and next, and overrides.

The rotation comes from the config (see bot.duty_rotation); overrides (临时顶班: "X covers
from … to …") are rows set by a lead in chat or by `govdesk duty set`. At any instant the
newest override that covers it wins; otherwise the rotation decides. Someone on the
rotation who is no longer active or no longer in the team is skipped: the next person of
the same rotation who is covers for them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.calendar import WorkingCalendar
from bot.duty_rotation import OVERRIDE, Rotation, Shift
from bot.models import DutyOverride, Person, Team
from bot.people import PersonView
from bot.settings import TeamSettings

MAX_OVERRIDE = timedelta(days=31)
MAX_REASON_CHARS = 200
_LOOKAHEAD = timedelta(days=62)


class DutyError(ValueError):
    """A roster change was refused; the message is for the person (Chinese)."""


@dataclass(frozen=True)
class Turn:
    """Who is on duty for a team during [starts_at, ends_at); person None: nobody."""

    team_code: str
    person: Person | None
    starts_at: datetime | None
    ends_at: datetime | None
    kind: str  # "day", "after_hours", "override" or "none"
    override_id: int | None = None


def team_by_code(session: Session, code: str) -> Team | None:
    """The active team with this code."""
    return session.scalar(select(Team).where(Team.code == code, Team.active))


def is_member(person: Person, team: Team) -> bool:
    """An active person who is (still) in the team."""
    return person.active and any(m.team_id == team.id for m in person.memberships)


class DutyRoster:
    """Every team's rotation, built once from the config and the working calendar."""

    def __init__(self, teams: Sequence[TeamSettings], calendar: WorkingCalendar,
                 timezone: str) -> None:
        self.rotations = {team.code: Rotation(team.duty, calendar, timezone)
                          for team in teams if team.duty is not None}

    def has_rotation(self, team_code: str) -> bool:
        return team_code in self.rotations

    def turn_at(self, session: Session, team: Team, at: datetime) -> Turn:
        """Who is on duty for `team` at `at`, and for how long."""
        overrides = [o for o in _overrides_near(session, team, at) if is_member(o.person, team)]
        covering = [o for o in overrides if o.starts_at <= at < o.ends_at]
        if covering:
            chosen = max(covering, key=lambda o: o.id)
            newer = [o.starts_at for o in overrides if o.id > chosen.id and o.starts_at > at]
            return Turn(team.code, chosen.person, chosen.starts_at,
                        min([chosen.ends_at, *newer]), OVERRIDE, chosen.id)
        upcoming = [o.starts_at for o in overrides if o.starts_at > at]
        rotation = self.rotations.get(team.code)
        if rotation is None:
            return Turn(team.code, None, None, min(upcoming, default=None), "none")
        shift = rotation.shift_at(at)
        ended = [o.ends_at for o in overrides if shift.starts_at < o.ends_at <= at]
        person = self._available(session, team, rotation, shift)
        return Turn(team.code, person, max([shift.starts_at, *ended]),
                    min([shift.ends_at, *upcoming]), shift.kind)

    def on_duty(self, session: Session, team: Team, at: datetime) -> Person | None:
        """The person on duty for `team` at `at`, if anyone."""
        return self.turn_at(session, team, at).person

    def next_turn(self, session: Session, team: Team, at: datetime) -> Turn | None:
        """The next turn after the current one with someone else on duty (None: no change)."""
        current = self.turn_at(session, team, at)
        turn, first = current, None
        for _ in range(24):
            if turn.ends_at is None:
                break
            turn = self.turn_at(session, team, turn.ends_at)
            first = first or turn
            if _person_id(turn) != _person_id(current):
                return turn
        return first

    def next_on_duty(self, session: Session, team: Team, at: datetime) -> Person | None:
        """Who takes over from the person on duty now."""
        turn = self.next_turn(session, team, at)
        return turn.person if turn is not None else None

    def _available(self, session: Session, team: Team, rotation: Rotation,
                   shift: Shift) -> Person | None:
        """The scheduled person, or the next on the same rotation who is still in the team."""
        names = (rotation.spec.after_hours_rotation if shift.kind == "after_hours"
                 else rotation.spec.rotation)
        start = names.index(shift.telegram_id)
        order = names[start:] + names[:start]
        people = {p.telegram_id: p for p in session.scalars(
            select(Person).where(Person.telegram_id.in_(order)))}
        for telegram_id in order:
            person = people.get(telegram_id)
            if person is not None and is_member(person, team):
                return person
        return None


def _person_id(turn: Turn) -> int | None:
    return turn.person.id if turn.person is not None else None


def _overrides_near(session: Session, team: Team, at: datetime) -> list[DutyOverride]:
    """The team's overrides around `at`: ended recently, running, or starting soon."""
    return list(session.scalars(
        select(DutyOverride).where(
            DutyOverride.team_id == team.id, DutyOverride.cancelled_at.is_(None),
            DutyOverride.ends_at > at - _LOOKAHEAD, DutyOverride.starts_at < at + _LOOKAHEAD)
        .order_by(DutyOverride.id)))


def may_manage(person: PersonView | None, team: Team) -> bool:
    """Leads of the team, supervisors and admins change its roster (None: the CLI)."""
    return person is None or person.has_role("admin", "supervisor") \
        or team.code in person.lead_of


def set_override(session: Session, team: Team, person: Person, starts_at: datetime,
                 ends_at: datetime, *, by: PersonView | None, reason: str, source: str,
                 now: datetime) -> DutyOverride:
    """Let `person` cover `team` from `starts_at` to `ends_at`."""
    if not may_manage(by, team):
        raise DutyError("无权操作：只有该组组长可以调整值班表。")
    if not is_member(person, team) or not person.has_role("technician", "lead"):
        raise DutyError(f"{person.name} 不是 {team.name} 的在岗成员，不能安排值班。")
    if ends_at <= starts_at:
        raise DutyError("结束时间应晚于开始时间。")
    if ends_at <= now:
        raise DutyError("这段时间已经过去了，请填写将来的时间。")
    if ends_at - starts_at > MAX_OVERRIDE:
        raise DutyError("临时顶班最长 31 天；长期调整请修改配置中的轮换名单。")
    reason = " ".join(reason.split())
    if len(reason) > MAX_REASON_CHARS:
        raise DutyError(f"原因过长，请控制在 {MAX_REASON_CHARS} 字以内。")
    override = DutyOverride(team_id=team.id, person_id=person.id, starts_at=starts_at,
                            ends_at=ends_at, reason=reason, source=source,
                            created_by_id=by.id if by is not None else None, created_at=now)
    session.add(override)
    session.flush()
    return override


def cancel_override(session: Session, override_id: int, *, by: PersonView | None,
                    now: datetime) -> DutyOverride:
    """Withdraw an override that has not ended yet."""
    override = session.get(DutyOverride, override_id)
    if override is None or override.cancelled_at is not None or override.ends_at <= now:
        raise DutyError(f"没有编号为 {override_id} 的有效临时顶班。")
    if not may_manage(by, override.team):
        raise DutyError("无权操作：只有该组组长可以调整值班表。")
    override.cancelled_at = now
    return override


def overrides_of(session: Session, team: Team, now: datetime) -> list[DutyOverride]:
    """The team's overrides that are running or still to come, soonest first."""
    return list(session.scalars(
        select(DutyOverride).where(DutyOverride.team_id == team.id,
                                   DutyOverride.cancelled_at.is_(None),
                                   DutyOverride.ends_at > now)
        .order_by(DutyOverride.starts_at, DutyOverride.id)))


def withdraw_overrides(session: Session, team: Team, person: Person, now: datetime) -> int:
    """Cancel a person's running and future overrides for a team (they left it)."""
    count = 0
    for override in overrides_of(session, team, now):
        if override.person_id == person.id:
            override.cancelled_at = now
            count += 1
    return count
