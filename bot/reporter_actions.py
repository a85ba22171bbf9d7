"""What a reporter does with their own ticket: comment, attach, cancel, confirm, reopen, rate."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.calendar import WorkingCalendar
from bot.lifecycle import CLOSED, RESOLVED, Origin, TransitionRefused, apply, record
from bot.models import Ticket, TicketAttachment
from bot.people import PersonView
from bot.tickets import Attachment, TicketError

MAX_COMMENT_CHARS = 2000
MAX_RATING_COMMENT_CHARS = 500


def _own(ticket: Ticket, person: PersonView) -> None:
    if ticket.reporter_id != person.id:
        raise TicketError("只有报修人本人可以进行此操作。")


def comment(session: Session, ticket: Ticket, person: PersonView, text: str, origin: Origin,
            now: datetime, *, internal: bool = False) -> None:
    """Add a comment to the ticket's history (internal ones are never shown to the reporter)."""
    text = text.strip()
    if not text:
        raise TicketError("内容不能为空。")
    if len(text) > MAX_COMMENT_CHARS:
        raise TicketError(f"内容过长（{len(text)} 字），请控制在 {MAX_COMMENT_CHARS} 字以内。")
    record(session, ticket, "note" if internal else "comment", origin, now, note=text)
    ticket.updated_at = now


def attach(session: Session, ticket: Ticket, person: PersonView, attachment: Attachment,
           origin: Origin, now: datetime, limit: int) -> None:
    """Add a photo or document to the ticket, within the attachment limit."""
    if ticket.status in ("closed", "cancelled"):
        raise TicketError(f"工单 {ticket.number} 已结束，不能再补充附件；如问题仍在，请重新报修。")
    if len(ticket.attachments) >= limit * 2:
        raise TicketError(f"该工单的附件已达上限（{limit * 2} 个）。")
    ticket.attachments.append(TicketAttachment(kind=attachment.kind, file_id=attachment.file_id,
                                               file_name=attachment.file_name,
                                               added_by_id=person.id, added_at=now))
    record(session, ticket, "attachment", origin, now, note=attachment.file_name or None,
           attachment_kind=attachment.kind)
    ticket.updated_at = now


def cancel(session: Session, ticket: Ticket, person: PersonView, origin: Origin,
           now: datetime, reason: str | None = None) -> None:
    """The reporter withdraws a ticket nobody has claimed yet."""
    _own(ticket, person)
    apply(session, ticket, "cancel", origin, now, note=reason)
    ticket.cancelled_at = now


def confirm(session: Session, ticket: Ticket, person: PersonView, origin: Origin,
            now: datetime) -> None:
    """The reporter confirms the fix: the ticket closes."""
    _own(ticket, person)
    apply(session, ticket, "confirm", origin, now)
    ticket.confirmed_at = ticket.closed_at = now


def reopen(session: Session, ticket: Ticket, person: PersonView, reason: str, origin: Origin,
           now: datetime, calendar: WorkingCalendar, window_days: int) -> None:
    """The reporter says it is not fixed: back to in progress (closed: within the window)."""
    _own(ticket, person)
    reason = reason.strip()
    if not reason:
        raise TicketError("请说明仍未解决的情况，以便处理人跟进。")
    if ticket.status == CLOSED and not _within_window(ticket, now, calendar, window_days):
        raise TransitionRefused(f"工单关闭已超过 {window_days} 个工作日，无法重新打开，"
                                "请提交新的报修。")
    apply(session, ticket, "reopen", origin, now, note=reason[:MAX_COMMENT_CHARS])
    ticket.reopen_count += 1
    ticket.resolved_at = ticket.closed_at = ticket.confirmed_at = None


def _within_window(ticket: Ticket, now: datetime, calendar: WorkingCalendar, days: int) -> bool:
    if ticket.closed_at is None:
        return False
    limit = calendar.add_working_minutes(ticket.closed_at, days * calendar.minutes_per_working_day)
    return now <= limit


def rate(session: Session, ticket: Ticket, person: PersonView, stars: int, origin: Origin,
         now: datetime, text: str | None = None) -> None:
    """A 1–5 satisfaction rating (and optional comment) on a closed ticket."""
    _own(ticket, person)
    if ticket.status not in (CLOSED, RESOLVED):
        raise TicketError("工单确认解决后才能评价。")
    if not 1 <= stars <= 5:
        raise TicketError("评分应为 1 到 5 星。")
    ticket.rating = stars
    if text:
        ticket.rating_comment = text.strip()[:MAX_RATING_COMMENT_CHARS]
    record(session, ticket, "rating", origin, now, note=ticket.rating_comment, stars=stars)


def close_unconfirmed(session: Session, now: datetime, calendar: WorkingCalendar,
                      days: int) -> list[Ticket]:
    """Close resolved tickets the reporter has not confirmed within `days` working days."""
    minutes = days * calendar.minutes_per_working_day
    candidates = session.scalars(
        select(Ticket).where(Ticket.status == RESOLVED, Ticket.resolved_at.is_not(None))
        .order_by(Ticket.resolved_at)
    ).all()
    closed = []
    for ticket in candidates:
        if calendar.add_working_minutes(ticket.resolved_at, minutes) <= now:
            apply(session, ticket, "auto_close", Origin(None, source="system"), now,
                  note=f"报修人 {days} 个工作日内未确认，系统自动关闭")
            ticket.closed_at = now
            closed.append(ticket)
    return closed
