"""The notification outbox: store every message to a person first, deliver it after.

Delivery order is kept per chat: a later message to a chat waits while an earlier one is
being retried. A `dedupe_key` makes an enqueue idempotent (reminders, escalations). A sender
claims messages (`claim`: a conditional UPDATE, with a lease) before sending them, so that
even two senders on one database never send a message twice; a crashed sender's claims run
out and its messages are sent by the next.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, bindparam, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

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
    if dedupe_key is None:  # nothing to collide with: no savepoint, written at the next flush
        session.add(notification)
        return notification
    try:
        with session.begin_nested():
            session.add(notification)
            session.flush()
    except IntegrityError:  # the same dedupe_key, enqueued concurrently
        return None
    return notification


def add_claimed(session: Session, now: datetime, chat_id: int, text: str, *,
                keyboard: Keyboard | None = None, kind: str = "message",
                ticket_id: int | None = None, dedupe_key: str | None = None,
                meta: dict[str, Any] | None = None) -> Notification:
    """Store a message the caller already made unique by a claim of its own (the SLA sweep's
    alert rows): no look-up and no savepoint; a dedupe_key clash fails the transaction."""
    notification = Notification(
        chat_id=chat_id, text=text, keyboard=keyboard, kind=kind, ticket_id=ticket_id,
        dedupe_key=dedupe_key, status=PENDING, attempts=0, created_at=now, next_attempt_at=now,
        meta=dict(meta or {}))
    session.add(notification)
    return notification


def _due_query(excluding: bool) -> Select[tuple[Notification]]:
    earlier = aliased(Notification)
    now = bindparam("now")
    blocked = select(earlier.id).where(
        earlier.chat_id == Notification.chat_id, earlier.status == PENDING,
        earlier.id < Notification.id,
        or_(earlier.next_attempt_at > now, earlier.claimed_until > now)).exists()
    query = (select(Notification)
             .where(Notification.status == PENDING, Notification.next_attempt_at <= now,
                    or_(Notification.claimed_until.is_(None), Notification.claimed_until <= now),
                    ~blocked)
             .order_by(Notification.id).limit(bindparam("limit")))
    if excluding:
        query = query.where(Notification.chat_id.not_in(bindparam("busy", expanding=True)))
    return query


_DUE = {False: _due_query(False), True: _due_query(True)}  # built once: asked every round


def due(session: Session, now: datetime, limit: int = 200,
        exclude_chats: Collection[int] = ()) -> list[Notification]:
    """The next messages to send, oldest first: a message is due when its time has come, no
    sender holds a claim on it, and no earlier message of its chat is waiting for a retry or
    claimed by a sender (the chat's order is kept). Chats in `exclude_chats` (being sent to
    right now) are left out."""
    params: dict[str, Any] = {"now": now, "limit": limit}
    if exclude_chats:
        params["busy"] = list(exclude_chats)
    return list(session.scalars(_DUE[bool(exclude_chats)], params))


def claim(session: Session, items: Sequence[Notification], sender: str, now: datetime,
          lease: timedelta) -> list[Notification]:
    """Claim due messages for `sender` until now + lease; return those it may send.

    One conditional UPDATE: a message another sender claimed meanwhile is not returned (on
    PostgreSQL the UPDATE waits for that sender's claim to commit, then sees it). Per chat only
    the messages before the first one not won are kept — a later one must not overtake it —
    and the claims on the rest are given back.
    """
    if not items:
        return []
    table = Notification.__table__
    won = set(session.scalars(
        update(table)
        .where(table.c.id.in_([item.id for item in items]), table.c.status == PENDING,
               or_(table.c.claimed_until.is_(None), table.c.claimed_until <= now))
        .values(claimed_by=sender, claimed_until=now + lease)
        .returning(table.c.id)))
    kept, lost_chats, given_back = [], set(), []
    for item in items:  # oldest first
        if item.id in won and item.chat_id not in lost_chats:
            item.claimed_by, item.claimed_until = sender, now + lease
            kept.append(item)
        elif item.id in won:
            given_back.append(item.id)
        else:
            lost_chats.add(item.chat_id)
    release(session, given_back, sender)
    return kept


def release(session: Session, notification_ids: Collection[int], sender: str) -> None:
    """Give back `sender`'s claims on these messages (they were not tried)."""
    if notification_ids:
        session.execute(update(Notification).where(
            Notification.id.in_(list(notification_ids)), Notification.claimed_by == sender,
        ).values(claimed_by=None, claimed_until=None))


_NOTIFICATIONS = Notification.__table__
_MARK_SENT = (  # built once: every sent message is marked, and building costs more than running
    update(_NOTIFICATIONS).where(_NOTIFICATIONS.c.id == bindparam("notification_id"))
    .values(status=SENT, sent_at=bindparam("now"), message_id=bindparam("message"),
            attempts=_NOTIFICATIONS.c.attempts + 1, error=None, claimed_by=None,
            claimed_until=None))


def claimed_by_others(session: Session, sender: str, now: datetime) -> bool:
    """Whether another sender holds a live claim on a pending message."""
    return session.scalar(select(Notification.id).where(
        Notification.status == PENDING, Notification.claimed_by != sender,
        Notification.claimed_until > now).limit(1)) is not None


def mark_sent(session: Session, notification_id: int, now: datetime,
              message_id: int | None) -> None:
    session.execute(_MARK_SENT, {"notification_id": notification_id, "now": now,
                                 "message": message_id})


def mark_retry(session: Session, notification_id: int, now: datetime, delay: timedelta,
               error: str) -> None:
    session.execute(update(Notification).where(Notification.id == notification_id).values(
        next_attempt_at=now + delay, attempts=Notification.attempts + 1, error=error[:500],
        claimed_by=None, claimed_until=None))


def mark_failed(session: Session, notification_id: int, now: datetime, error: str) -> None:
    session.execute(update(Notification).where(Notification.id == notification_id).values(
        status=FAILED, attempts=Notification.attempts + 1, error=error[:500], sent_at=None,
        claimed_by=None, claimed_until=None))


def held_chats(session: Session) -> set[int]:
    """Chats with messages still waiting after a failed attempt, or direct replies handed
    over (kind 'reply'): new direct replies to them must go behind those."""
    return set(session.scalars(select(Notification.chat_id).where(
        Notification.status == PENDING,
        or_(Notification.attempts > 0, Notification.kind == "reply")).distinct()))


def has_pending(session: Session, chat_id: int) -> bool:
    """Whether any message to this chat is still waiting to be sent."""
    return session.scalar(select(Notification.id).where(
        Notification.chat_id == chat_id, Notification.status == PENDING).limit(1)) is not None


NETWORK_ERRORS = ("NetworkError:%", "TimedOut:%")  # how the sender records a network failure


def retry_network_failures_now(session: Session, now: datetime) -> int:
    """Telegram answers again: messages waiting out a network failure's back-off are due now
    (those held back by Telegram's 429 keep the wait Telegram asked for)."""
    return session.execute(update(Notification).where(
        Notification.status == PENDING, Notification.next_attempt_at > now,
        or_(*(Notification.error.like(pattern) for pattern in NETWORK_ERRORS)),
    ).values(next_attempt_at=now)).rowcount


def retarget(session: Session, old_chat_id: int, new_chat_id: int) -> int:
    """A group became a supergroup (Telegram's ChatMigrated): its pending messages follow."""
    return session.execute(update(Notification).where(
        Notification.chat_id == old_chat_id, Notification.status == PENDING,
    ).values(chat_id=new_chat_id, claimed_by=None, claimed_until=None)).rowcount
