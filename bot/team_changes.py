"""A technician leaves a team: their open tickets go back to the team's queue.

Used by `govdesk people leave` and by the config resync (a team removed from a person's
`teams`, or a person removed from the config). The caller tells the leads (see
handlers.notify.announce_departure); nothing here sends anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.duty import team_by_code, withdraw_overrides
from bot.lifecycle import Origin, apply
from bot.models import Person, Team, Ticket
from bot.people import DirectoryError
from bot.queues import WORKING


@dataclass(frozen=True)
class Departure:
    """Who left which team, and which of their tickets went back to its queue."""

    person_id: int
    person_name: str
    team_id: int
    team_code: str
    team_name: str
    returned_ticket_ids: tuple[int, ...]
    lead_telegram_ids: tuple[int, ...]


def return_tickets(session: Session, person: Person, team: Team, origin: Origin,
                   now: datetime) -> list[Ticket]:
    """Put the person's open tickets of `team` back in its queue, unclaimed."""
    tickets = session.scalars(
        select(Ticket).where(Ticket.assignee_id == person.id, Ticket.team_id == team.id,
                             Ticket.status.in_(WORKING)).order_by(Ticket.id)).all()
    for ticket in tickets:
        apply(session, ticket, "return_to_queue", origin, now,
              note=f"{person.name} 已离开{team.name}，工单退回待认领队列", reason="left_team",
              from_person=person.id)
        ticket.assignee_id, ticket.pending_reason = None, None
    session.flush()
    return list(tickets)


def leave_team(session: Session, person: Person, team_code: str, origin: Origin,
               now: datetime) -> Departure:
    """Take the person out of the team; their tickets return to the queue."""
    team = team_by_code(session, team_code)
    membership = next((m for m in person.memberships if team and m.team_id == team.id), None)
    if team is None or membership is None:
        raise DirectoryError(f"{person.name} 不是支持组 {team_code} 的成员。")
    return _depart(session, person, team, origin, now, remove=True)


def release(session: Session, person: Person, team: Team, origin: Origin, now: datetime,
            *, remove: bool) -> Departure:
    """Return the person's tickets of `team` (and optionally drop the membership)."""
    return _depart(session, person, team, origin, now, remove=remove)


def _depart(session: Session, person: Person, team: Team, origin: Origin, now: datetime, *,
            remove: bool) -> Departure:
    returned = return_tickets(session, person, team, origin, now)
    withdraw_overrides(session, team, person, now)
    if remove:
        for membership in [m for m in person.memberships if m.team_id == team.id]:
            person.memberships.remove(membership)
        session.flush()
    leads = tuple(m.person.telegram_id for m in team.members
                  if m.is_lead and m.person_id != person.id and m.person.active
                  and m.person.telegram_id)
    return Departure(person.id, person.name, team.id, team.code, team.name,
                     tuple(t.id for t in returned), leads)
