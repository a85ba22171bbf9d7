"""The notification outbox: store every message to a person first, deliver it after.

Delivery order is kept per chat: a later message to a chat waits while an earlier one is
being retried. A `dedupe_key` makes an enqueue idempotent (reminders, escalations).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.models import Notification

PENDING, SENT, FAILED = "pending", "sent", "failed"
Keyboard = list[list[dict[str, str]]]


def enqueue(session: Session, now: datetime, chat_id: int, text: str, *,
            keyboard: Keyboard | None = None, kind: str = "message",
            ticket_id: int | None = None, dedupe_key: str | None = None,
            photo_file_id: str | None = None, reply_to_message_id: int | None = None,
            meta: dict[str, Any] | None = None) -> Notification | None:
    """Store a message for delivery; with a dedupe_key already used, store nothing."""
    if dedupe_key is not None and session.scalar(
        select(Notification.id).where(Notification.dedupe_key == dedupe_key)
    ):
        return None
    notification = Notification(
        chat_id=chat_id, text=text, keyboard=keyboard, kind=kind, ticket_id=ticket_id,
        dedupe_key=dedupe_key, photo_file_id=photo_file_id,
        reply_to_message_id=reply_to_message_id, status=PENDING, attempts=0, created_at=now,
        next_attempt_at=now, meta=dict(meta or {}),
    )
    try:
        with session.begin_nested():
            session.add(notification)
            session.flush()
    except IntegrityError:  # the same dedupe_key, enqueued concurrently
        return None
    return notification


def due(session: Session, now: datetime, limit: int = 200) -> list[Notification]:
    """The next messages to send: per chat, the leading run of due ones, in order."""
    pending = session.scalars(
        select(Notification).where(Notification.status == PENDING)
        .order_by(Notification.id).limit(limit * 4)
    ).all()
    blocked: set[int] = set()
    batch: list[Notification] = []
    for item in pending:
        if item.chat_id in blocked:
            continue
        if item.next_attempt_at > now:
            blocked.add(item.chat_id)  # keep the chat's order: wait for this one
            continue
        batch.append(item)
        if len(batch) >= limit:
            break
    return batch


def mark_sent(session: Session, notification_id: int, now: datetime,
              message_id: int | None) -> None:
    session.execute(update(Notification).where(Notification.id == notification_id).values(
        status=SENT, sent_at=now, message_id=message_id,
        attempts=Notification.attempts + 1, error=None))


def mark_retry(session: Session, notification_id: int, now: datetime, delay: timedelta,
               error: str) -> None:
    session.execute(update(Notification).where(Notification.id == notification_id).values(
        next_attempt_at=now + delay, attempts=Notification.attempts + 1, error=error[:500]))


def mark_failed(session: Session, notification_id: int, now: datetime, error: str) -> None:
    session.execute(update(Notification).where(Notification.id == notification_id).values(
        status=FAILED, attempts=Notification.attempts + 1, error=error[:500], sent_at=None))


def pending_count(session: Session) -> int:
    from sqlalchemy import func

    return session.scalar(select(func.count()).where(Notification.status == PENDING)) or 0


def by_ids(session: Session, ids: Sequence[int]) -> list[Notification]:
    return list(session.scalars(select(Notification).where(Notification.id.in_(ids))))
