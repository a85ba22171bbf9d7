"""Technicians' queues: unclaimed tickets of my teams, my open tickets, a team's board.

Most urgent first means: the earliest due time that still matters — the response due time
while nobody has responded, else the resolution due time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.lifecycle import ASSIGNED, IN_PROGRESS, NEW, OPEN_STATUSES, PENDING
from bot.models import Team, Ticket
from bot.priority import SlaPolicy

AT_RISK_FRACTION = 0.25  # at risk: a quarter of the target or less is left
QUEUE_LIMIT = 30
WORKING = (ASSIGNED, IN_PROGRESS, PENDING)


@dataclass(frozen=True)
class TicketBrief:
    """One line of a queue: the ticket and how urgent it is now."""

    id: int
    number: str
    priority: str
    status: str
    category: str
    team_code: str
    summary: str
    assignee_id: int | None
    assignee_name: str | None
    due_kind: str  # "response" or "resolution"
    due_at: datetime | None
    overdue: bool
    at_risk: bool


def due_of(ticket: Ticket) -> tuple[str, datetime | None]:
    """The due time that matters now: response until someone responded, then resolution."""
    if ticket.first_response_at is None and ticket.status == NEW:
        return "response", ticket.response_due_at
    return "resolution", ticket.resolution_due_at


def risk(ticket: Ticket, sla: SlaPolicy, now: datetime) -> tuple[bool, bool]:
    """(overdue, at risk): past due, or within AT_RISK_FRACTION of the target of it.

    A pending ticket's clock is stopped, so it is only ever overdue, never "at risk".
    """
    kind, due = due_of(ticket)
    if due is None:
        return False, False
    if now >= due:
        return True, True
    if ticket.status == PENDING:
        return False, False
    target = sla.target(ticket.priority)
    minutes = target.response_minutes if kind == "response" else target.resolution_minutes
    left = sla.clock_for(ticket.priority).working_minutes_between(now, due)
    return False, left <= AT_RISK_FRACTION * minutes


def brief(ticket: Ticket, sla: SlaPolicy, now: datetime) -> TicketBrief:
    kind, due = due_of(ticket)
    overdue, at_risk = risk(ticket, sla, now)
    return TicketBrief(
        id=ticket.id, number=ticket.number, priority=ticket.priority, status=ticket.status,
        category=ticket.category.name, team_code=ticket.team.code,
        summary=" ".join(ticket.description.split()),
        assignee_id=ticket.assignee_id,
        assignee_name=ticket.assignee.name if ticket.assignee else None,
        due_kind=kind, due_at=due, overdue=overdue, at_risk=at_risk)


def _by_urgency(briefs: Iterable[TicketBrief]) -> list[TicketBrief]:
    return sorted(briefs, key=lambda b: (b.due_at is None, b.due_at or datetime.max, b.id))


def unclaimed(session: Session, sla: SlaPolicy, team_codes: Iterable[str], now: datetime,
              limit: int = QUEUE_LIMIT) -> list[TicketBrief]:
    """Tickets of these teams nobody has claimed, most urgent first."""
    codes = tuple(team_codes)
    if not codes:
        return []
    tickets = session.scalars(
        select(Ticket).join(Team, Ticket.team_id == Team.id)
        .where(Ticket.status == NEW, Ticket.assignee_id.is_(None), Team.code.in_(codes))
        .order_by(Ticket.response_due_at.is_(None), Ticket.response_due_at, Ticket.id)
        .limit(limit))
    return _by_urgency(brief(t, sla, now) for t in tickets)


def assigned_to(session: Session, sla: SlaPolicy, person_id: int, now: datetime,
                limit: int = QUEUE_LIMIT) -> list[TicketBrief]:
    """A technician's open tickets, most urgent first."""
    tickets = session.scalars(
        select(Ticket).where(Ticket.assignee_id == person_id, Ticket.status.in_(WORKING))
        .order_by(Ticket.resolution_due_at.is_(None), Ticket.resolution_due_at, Ticket.id)
        .limit(limit))
    return _by_urgency(brief(t, sla, now) for t in tickets)


def team_open(session: Session, sla: SlaPolicy, team: Team, now: datetime
              ) -> list[TicketBrief]:
    """All of a team's open tickets (claimed or not), most urgent first."""
    tickets = session.scalars(
        select(Ticket).where(Ticket.team_id == team.id, Ticket.status.in_(OPEN_STATUSES)))
    return _by_urgency(brief(t, sla, now) for t in tickets)


def by_assignee(briefs: Iterable[TicketBrief]) -> dict[str | None, list[TicketBrief]]:
    """Group a board by assignee name (None: unclaimed first), keeping urgency order."""
    groups: dict[str | None, list[TicketBrief]] = {None: []}
    for item in briefs:
        groups.setdefault(item.assignee_name if item.status != NEW else None, []).append(item)
    if not groups[None]:
        del groups[None]
    return groups
