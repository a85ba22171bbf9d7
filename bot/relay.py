"""Talking to the reporter through the bot: replies, questions, answers, internal notes.

A technician's reply is a "reply" event and counts as the first response. A question also
pends the ticket as 等待用户 (waiting for the user) until the reporter answers; the answer
resumes it. Internal notes ("note" events) are never shown to the reporter.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot import work
from bot.lifecycle import CANCELLED, CLOSED, PENDING, Origin, can, record
from bot.models import Ticket
from bot.people import PersonView
from bot.reporter_actions import MAX_COMMENT_CHARS, comment
from bot.tickets import TicketError, may_view

WAITING_FOR_USER = work.PENDING_REASONS["user"]
INTERNAL_PREFIXES = ("内部", "[内部]", "【内部】", "#内部")
_SEPARATORS = " ：:，,。-—\n"


def internal_text(text: str) -> str | None:
    """The note if `text` starts with 「内部」 (an internal note), else None."""
    stripped = text.strip()
    for prefix in sorted(INTERNAL_PREFIXES, key=len, reverse=True):
        if stripped.startswith(prefix):
            return stripped[len(prefix):].lstrip(_SEPARATORS)
    return None


def check_may_reply(person: PersonView, ticket: Ticket) -> None:
    """Only whoever works the ticket talks to its reporter on the desk's behalf."""
    if ticket.status in (CLOSED, CANCELLED):
        raise work.WorkRefused("工单已关闭，无法再回复报修人；如需跟进请让报修人重新打开。")
    if ticket.assignee_id is None and not work.is_team_lead(person, ticket) \
            and not person.has_role("supervisor", "admin"):
        if work.in_team(person, ticket):
            raise work.WorkRefused("请先认领该工单，再回复报修人。")
        raise work.WorkRefused("无权操作：您不是该工单所属支持组的成员。")
    work.check_may_work(person, ticket)


def technician_reply(session: Session, ticket: Ticket, person: PersonView, text: str,
                     origin: Origin, now: datetime, *, question: bool = False) -> bool:
    """Record a reply to the reporter; a question pends the ticket. True if it was pended."""
    check_may_reply(person, ticket)
    text = _clean(text)
    record(session, ticket, "reply", origin, now, note=text, question=question)
    if ticket.first_response_at is None:
        ticket.first_response_at = now
    ticket.updated_at = now
    if not question:
        return False
    if can("pend", ticket.status):
        work.pend(session, ticket, person, WAITING_FOR_USER, origin, now)
        return True
    if ticket.status == PENDING and ticket.pending_reason != WAITING_FOR_USER:
        record(session, ticket, "pend", origin, now, note=WAITING_FOR_USER,
               from_status=PENDING, to_status=PENDING)
        ticket.pending_reason = WAITING_FOR_USER
    return False


def resume_if_waiting(session: Session, ticket: Ticket, origin: Origin, now: datetime) -> bool:
    """The reporter answered: a ticket waiting for them resumes. True if it did."""
    if ticket.status != PENDING or ticket.pending_reason != WAITING_FOR_USER:
        return False
    work.resume(session, ticket, None, origin, now)
    return True


def reporter_answer(session: Session, ticket: Ticket, person: PersonView, text: str,
                    origin: Origin, now: datetime) -> bool:
    """The reporter writes to whoever handles the ticket; True if that resumed it."""
    if ticket.reporter_id != person.id:
        raise TicketError("只有报修人本人可以进行此操作。")
    comment(session, ticket, person, text, origin, now)
    return resume_if_waiting(session, ticket, origin, now)


def internal_note(session: Session, ticket: Ticket, person: PersonView, text: str, origin: Origin,
                  now: datetime) -> None:
    """A note for the team only: never shown to the reporter."""
    if not person.is_staff or not may_view(person, ticket):
        raise work.WorkRefused("无权操作：只有该工单所属支持组的成员可以添加内部备注。")
    comment(session, ticket, person, text, origin, now, internal=True)


def _clean(text: str) -> str:
    text = text.strip()
    if not text:
        raise work.WorkRefused("内容不能为空。")
    if len(text) > MAX_COMMENT_CHARS:
        raise work.WorkRefused(f"内容过长（{len(text)} 字），"
                               f"请控制在 {MAX_COMMENT_CHARS} 字以内。")
    return text
