"""The supervisors' morning digest (每日简报): what is open, at risk and breached per team, and
the numbers of the previous working day. Plain data; handlers.renderers.jobs renders it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.calendar import WorkingCalendar
from bot.lifecycle import NEW
from bot.models import SlaAlert, Team, Ticket, TicketEvent
from bot.priority import SlaPolicy
from bot.queues import team_open

WORST_LIMIT = 10


@dataclass(frozen=True)
class TeamLine:
    """One team's open work this morning."""

    name: str
    open: int
    unclaimed: int
    at_risk: int
    breached: int


@dataclass(frozen=True)
class Overdue:
    """An open ticket past its due time."""

    number: str
    team: str
    priority: str
    due_kind: str
    due_at: datetime


@dataclass(frozen=True)
class Digest:
    """The digest of working day `day`, with the numbers since `since` (the previous one)."""

    day: date
    since: date
    teams: tuple[TeamLine, ...]
    overdue: tuple[Overdue, ...]
    created: int
    resolved: int
    closed: int
    escalations: int
    response_met: int
    response_total: int
    resolution_met: int
    resolution_total: int

    @property
    def totals(self) -> TeamLine:
        return TeamLine("合计", *(sum(getattr(t, f) for t in self.teams)
                                for f in ("open", "unclaimed", "at_risk", "breached")))


def previous_working_day(calendar: WorkingCalendar, day: date) -> date:
    """The working day before `day` (at most a year back)."""
    for back in range(1, 367):
        candidate = day - timedelta(days=back)
        if calendar.is_working_day(candidate):
            return candidate
    return day - timedelta(days=1)


def morning_digest(session: Session, policy: SlaPolicy, now: datetime, tz: ZoneInfo) -> Digest:
    """Open, at-risk and breached tickets per team now; yesterday's numbers."""
    today = now.astimezone(tz).date()
    since_day = previous_working_day(policy.calendar, today)
    start = datetime.combine(since_day, time(), tz)
    end = datetime.combine(today, time(), tz)
    lines, overdue = [], []
    for team in session.scalars(select(Team).where(Team.active).order_by(Team.id)):
        briefs = team_open(session, policy, team, now)
        late = [b for b in briefs if b.overdue]
        lines.append(TeamLine(team.name, len(briefs), sum(b.status == NEW for b in briefs),
                              sum(b.at_risk and not b.overdue for b in briefs), len(late)))
        overdue += [Overdue(b.number, team.name, b.priority, b.due_kind, b.due_at)
                    for b in late if b.due_at is not None]
    overdue.sort(key=lambda o: o.due_at)
    return Digest(
        today, since_day, tuple(lines), tuple(overdue[:WORST_LIMIT]),
        created=_count(session, Ticket.created_at, start, end),
        resolved=_events(session, ("resolve",), start, end),
        closed=_events(session, ("confirm", "auto_close"), start, end),
        escalations=session.scalar(select(func.count()).select_from(SlaAlert).where(
            SlaAlert.level != "reminder", SlaAlert.superseded.is_(False),
            SlaAlert.fired_at >= start, SlaAlert.fired_at < end)) or 0,
        **_met(session, "response", start, end), **_met(session, "resolution", start, end))


def _count(session: Session, column, start: datetime, end: datetime) -> int:
    return session.scalar(select(func.count()).where(column >= start, column < end)) or 0


def _events(session: Session, kinds: tuple[str, ...], start: datetime, end: datetime) -> int:
    return session.scalar(select(func.count()).select_from(TicketEvent).where(
        TicketEvent.kind.in_(kinds), TicketEvent.at >= start, TicketEvent.at < end)) or 0


def _met(session: Session, clock: str, start: datetime, end: datetime) -> dict[str, int]:
    """Of the clocks that stopped in the period, how many stopped in time."""
    stopped = getattr(Ticket, f"{clock}_stopped_at")
    due = getattr(Ticket, f"{clock}_due_at")
    rows = session.execute(select(stopped, due).where(
        stopped >= start, stopped < end, Ticket.status.not_in(("cancelled",)))).all()
    met = sum(1 for stop, limit in rows if limit is None or stop <= limit)
    return {f"{clock}_met": met, f"{clock}_total": len(rows)}
