"""Tickets: submission (idempotent), look-up and who may see what."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, tzinfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.lifecycle import OPEN_STATUSES, Origin, record
from bot.models import Category, Ticket, TicketAttachment
from bot.people import PersonView
from bot.priority import SlaPolicy
from bot.ticket_numbers import next_number, normalise_number


class TicketError(Exception):
    """A ticket operation was refused; the message is for the user (Chinese)."""


@dataclass(frozen=True)
class Attachment:
    """A file a reporter attached: a Telegram file id, but the domain only stores it."""

    kind: str  # "photo" or "document"
    file_id: str
    file_name: str = ""


@dataclass(frozen=True)
class Report:
    """Everything the reporter told us, ready to become a ticket."""

    category_code: str
    description: str
    impact: str
    urgency: str
    attachments: tuple[Attachment, ...] = field(default_factory=tuple)


def submit(session: Session, sla: SlaPolicy, tz: tzinfo, reporter: PersonView, report: Report,
           submission_key: str, origin: Origin, now: datetime) -> tuple[Ticket, bool]:
    """Create the ticket once; a repeated submission returns the first one (created=False)."""
    existing = session.scalar(select(Ticket).where(Ticket.submission_key == submission_key))
    if existing is not None:
        return existing, False
    category = session.scalar(
        select(Category).where(Category.code == report.category_code, Category.active)
    )
    if category is None:
        raise TicketError("该服务分类已停用，请重新选择分类。")
    priority = sla.priority(report.impact, report.urgency)
    due = sla.due_times(priority, now)
    try:
        with session.begin_nested():
            ticket = Ticket(
                number=next_number(session, now, tz), submission_key=submission_key,
                reporter_id=reporter.id, reporter_unit=reporter.unit, category=category,
                team_id=category.team_id, description=report.description, impact=report.impact,
                urgency=report.urgency, priority=priority, status="new", created_at=now,
                updated_at=now, response_due_at=due.response_due,
                resolution_due_at=due.resolution_due,
                attachments=[TicketAttachment(kind=a.kind, file_id=a.file_id,
                                              file_name=a.file_name, added_by_id=reporter.id,
                                              added_at=now) for a in report.attachments],
            )
            session.add(ticket)
            session.flush()
    except IntegrityError:  # a concurrent double submit won the race
        existing = session.scalar(select(Ticket).where(Ticket.submission_key == submission_key))
        if existing is None:
            raise
        return existing, False
    record(session, ticket, "created", origin, now, to_status="new", priority=priority)
    return ticket, True


def find(session: Session, text: str) -> Ticket | None:
    """The ticket with this number as typed by a person, or None."""
    number = normalise_number(text)
    if number is None:
        return None
    return session.scalar(select(Ticket).where(Ticket.number == number))


def may_view(person: PersonView, ticket: Ticket) -> bool:
    """Reporters see their own; technicians and leads their teams'; supervisors all."""
    if person.has_role("supervisor", "admin"):
        return True
    if ticket.reporter_id == person.id or ticket.assignee_id == person.id:
        return True
    return person.has_role("technician", "lead") and ticket.team.code in person.team_codes


def of_reporter(session: Session, person_id: int, limit: int = 10) -> list[Ticket]:
    """A reporter's open tickets first, then recent ones, newest first."""
    tickets = session.scalars(
        select(Ticket).where(Ticket.reporter_id == person_id)
        .order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(50)
    ).all()
    open_first = sorted(tickets, key=lambda t: t.status not in OPEN_STATUSES)
    return open_first[:limit]
