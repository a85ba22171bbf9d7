"""What leads and supervisors do with an escalated ticket: urge (督办), take over, reprioritise.

Level 1 (the breach) goes to the leads of the ticket's team, level 2 to the supervisors; the
buttons on those messages call these functions, which check the presser's role themselves.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot import sla
from bot.lifecycle import OPEN_STATUSES, Origin, apply, record
from bot.models import Ticket
from bot.people import PersonView
from bot.sla_recipients import Recipient, Roster, resolve


class EscalationRefused(Exception):
    """The person may not do this; the message is for them (Chinese)."""


def is_lead_of(person: PersonView, ticket: Ticket) -> bool:
    return ticket.team.code in person.lead_of


def is_supervisor(person: PersonView) -> bool:
    return person.has_role("supervisor", "admin")


def check_level(person: PersonView, ticket: Ticket, level: int) -> None:
    """Level 1 actions: the team's leads (and supervisors); level 2: supervisors only."""
    if level >= 2 and not is_supervisor(person):
        raise EscalationRefused("无权操作：只有值班领导（主管）可以接管或指派。")
    if level == 1 and not (is_lead_of(person, ticket) or is_supervisor(person)):
        raise EscalationRefused("无权操作：只有该支持组的组长或值班领导可以督办、改派。")


def _open(ticket: Ticket) -> None:
    if ticket.status not in OPEN_STATUSES:
        raise EscalationRefused("该工单已解决或已关闭，无需再督办。")


def urge(session: Session, ticket: Ticket, person: PersonView, origin: Origin, now: datetime,
         roster: Roster | None) -> tuple[Recipient, ...]:
    """督办: log it on the ticket and return whom to ping (the assignee, or while unclaimed
    the on-duty technician and the team group)."""
    check_level(person, ticket, 1)
    _open(ticket)
    names = ("assignee",) if ticket.assignee_id is not None else ("on_duty", "team_group")
    recipients = resolve(session, ticket, names, sla.REMINDER, roster, now)
    record(session, ticket, "urge", origin, now, note=f"{person.name} 督办",
           recipients=[r.chat_id for r in recipients])
    ticket.updated_at = now
    return recipients


def take_over(session: Session, ticket: Ticket, person: PersonView, origin: Origin,
              now: datetime) -> None:
    """A supervisor makes themself the ticket's assignee (接管)."""
    check_level(person, ticket, 2)
    _open(ticket)
    if ticket.assignee_id == person.id:
        raise EscalationRefused("您已经是该工单的处理人。")
    apply(session, ticket, "assign", origin, now, note=f"{person.name} 接管",
          to_person=person.id, takeover=True)
    ticket.assignee_id, ticket.pending_reason = person.id, None
    ticket.claimed_at = ticket.claimed_at or now
    session.flush()
    session.refresh(ticket)


def change_priority(session: Session, ticket: Ticket, person: PersonView, priority: str,
                    origin: Origin, now: datetime, reason: str = "") -> None:
    """Lead or supervisor: a new priority; the SLA keeps the time already used."""
    check_level(person, ticket, 1)
    _open(ticket)
    if priority not in ("P1", "P2", "P3", "P4"):
        raise EscalationRefused("优先级应为 P1、P2、P3 或 P4。")
    if priority == ticket.priority:
        raise EscalationRefused(f"工单已经是 {priority}。")
    note = f"优先级 {ticket.priority} → {priority}" + (f"：{reason.strip()}" if reason else "")
    record(session, ticket, sla.PRIORITY_EVENT, origin, now, note=note[:500],
           **{"from": ticket.priority, "to": priority})
    ticket.updated_at = now
    # ticket.priority is set when the event is flushed (bot.sla_store applies it to the
    # clocks: the old priority closes the running segments, the new one restarts them)
    session.flush()
