"""The ticket lifecycle: which status may follow which, enforced in one place.

new → assigned → in_progress → pending → resolved → closed; reopen from resolved (and from
closed within a window) back to in_progress; cancel by the reporter while still new.
Every change is appended to the ticket's event log in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.models import Ticket, TicketEvent

NEW, ASSIGNED, IN_PROGRESS, PENDING = "new", "assigned", "in_progress", "pending"
RESOLVED, CLOSED, CANCELLED = "resolved", "closed", "cancelled"
OPEN_STATUSES = (NEW, ASSIGNED, IN_PROGRESS, PENDING)

STATUS_LABELS = {
    NEW: "待认领",
    ASSIGNED: "已认领",
    IN_PROGRESS: "处理中",
    PENDING: "已挂起",
    RESOLVED: "已解决（待确认）",
    CLOSED: "已关闭",
    CANCELLED: "已撤销",
}

# action -> (allowed from-statuses, to-status); None keeps the status
TRANSITIONS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "claim": ((NEW,), ASSIGNED),
    "assign": ((NEW, ASSIGNED, IN_PROGRESS, PENDING), ASSIGNED),
    "return_to_queue": ((ASSIGNED, IN_PROGRESS, PENDING), NEW),
    "start": ((ASSIGNED, PENDING), IN_PROGRESS),
    "pend": ((ASSIGNED, IN_PROGRESS), PENDING),
    "resume": ((PENDING,), IN_PROGRESS),
    "resolve": ((ASSIGNED, IN_PROGRESS, PENDING), RESOLVED),
    "confirm": ((RESOLVED,), CLOSED),
    "auto_close": ((RESOLVED,), CLOSED),
    "reopen": ((RESOLVED, CLOSED), IN_PROGRESS),
    "cancel": ((NEW,), CANCELLED),
}

REFUSALS = {
    "claim": "该工单已被认领或已不在待认领状态。",
    "cancel": "工单已有人处理，无法撤销；如需撤销请联系处理人。",
    "confirm": "只有“已解决”的工单才能确认。",
    "reopen": "只有已解决或已关闭的工单才能重新打开。",
    "resolve": "该工单当前状态不能标记为已解决。",
    "pend": "该工单当前状态不能挂起。",
    "resume": "该工单没有挂起。",
    "start": "该工单当前状态不能开始处理。",
}


class TransitionRefused(Exception):
    """An illegal change of status; nothing was changed. The message is for the user."""


@dataclass(frozen=True)
class Origin:
    """Where a change came from: who, which chat, which channel."""

    actor_id: int | None
    chat_id: int | None = None
    source: str = "system"


def can(action: str, status: str) -> bool:
    """True if `action` is allowed from `status`."""
    allowed, _ = TRANSITIONS[action]
    return status in allowed


def apply(session: Session, ticket: Ticket, action: str, origin: Origin, now: datetime,
          note: str | None = None, **data: Any) -> TicketEvent:
    """Change the ticket's status by `action` and log it, or refuse without changing anything."""
    allowed, target = TRANSITIONS[action]
    if ticket.status not in allowed:
        raise TransitionRefused(REFUSALS.get(action, "当前工单状态不允许此操作。")
                                + f"（当前状态：{STATUS_LABELS[ticket.status]}）")
    before = ticket.status
    if target is not None:
        ticket.status = target
    ticket.updated_at = now
    return record(session, ticket, action, origin, now, note=note, from_status=before,
                  to_status=ticket.status, **data)


def record(session: Session, ticket: Ticket, kind: str, origin: Origin, now: datetime, *,
           note: str | None = None, from_status: str | None = None,
           to_status: str | None = None, **data: Any) -> TicketEvent:
    """Append an event (a status change, a comment, a reminder …) to the ticket's history."""
    return record_for(session, ticket.id, kind, origin, now, note=note, from_status=from_status,
                      to_status=to_status, **data)


def record_for(session: Session, ticket_id: int, kind: str, origin: Origin, now: datetime, *,
               note: str | None = None, from_status: str | None = None,
               to_status: str | None = None, **data: Any) -> TicketEvent:
    """record() for a ticket the session has not loaded."""
    event = TicketEvent(ticket_id=ticket_id, at=now, actor_id=origin.actor_id, kind=kind,
                        from_status=from_status, to_status=to_status, note=note,
                        chat_id=origin.chat_id, source=origin.source, data=dict(data))
    session.add(event)
    return event


def version(session: Session, ticket_id: int) -> int:
    """How many status changes (claim, assign, pend, resume …) the ticket has had.

    A button shown for one state of the ticket carries this number and acts only while it
    is unchanged: a prompt answered after the ticket moved on is refused, not replayed.
    """
    return session.scalar(
        select(func.count()).select_from(TicketEvent)
        .where(TicketEvent.ticket_id == ticket_id, TicketEvent.from_status.is_not(None))) or 0
