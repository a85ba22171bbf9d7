"""The outbox's claims: a sender claims messages before sending them, for a limited time."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from bot import db, outbox
from bot.desk import Desk
from bot.models import Notification

LEASE = timedelta(minutes=2)


def enqueue(desk: Desk, chat_id: int, *texts: str) -> None:
    with desk.sessions.begin() as session:
        for text in texts:
            outbox.enqueue(session, desk.clock.now(), chat_id, text)


def due_and_claim(desk: Desk, sender: str) -> list[str]:
    with desk.sessions.begin() as session:
        now = desk.clock.now()
        return [n.text for n in outbox.claim(session, outbox.due(session, now), sender, now,
                                             LEASE)]


def test_a_claimed_message_is_not_due_for_another_sender(desk: Desk) -> None:
    enqueue(desk, 1001, "一", "二")
    enqueue(desk, 1002, "三")
    assert due_and_claim(desk, "a") == ["一", "二", "三"]
    assert due_and_claim(desk, "b") == []
    enqueue(desk, 1001, "四")  # behind a chat's claimed messages: waits for them
    assert due_and_claim(desk, "b") == []


def test_a_stale_list_loses_the_claim_and_keeps_the_chats_order(desk: Desk) -> None:
    """Two senders read the same due list; the second wins nothing it could send out of
    order, and what it won behind a lost message is given back."""
    enqueue(desk, 1001, "一", "二")
    with desk.sessions.begin() as session:
        stale = outbox.due(session, desk.clock.now())
        session.expunge_all()
    with desk.sessions.begin() as session:  # sender a claims only the first
        outbox.claim(session, stale[:1], "a", desk.clock.now(), LEASE)
    with desk.sessions.begin() as session:
        assert outbox.claim(session, stale, "b", desk.clock.now(), LEASE) == []
        claims = dict(session.execute(select(Notification.text, Notification.claimed_by)).all())
    assert claims == {"一": "a", "二": None}


def test_a_crashed_senders_claims_run_out(desk: Desk) -> None:
    enqueue(desk, 1001, "一")
    assert due_and_claim(desk, "crashed") == ["一"]
    desk.clock.advance(LEASE - timedelta(seconds=1))
    assert due_and_claim(desk, "next") == []
    desk.clock.advance(timedelta(seconds=1))
    assert due_and_claim(desk, "next") == ["一"]


def test_marking_a_message_ends_its_claim(desk: Desk) -> None:
    enqueue(desk, 1001, "一", "二")
    due_and_claim(desk, "a")
    with desk.sessions.begin() as session:
        first, second = session.scalars(select(Notification).order_by(Notification.id))
        outbox.mark_retry(session, first.id, desk.clock.now(), timedelta(seconds=2), "down")
        outbox.release(session, [second.id], "a")
    desk.clock.advance(timedelta(seconds=2))
    assert due_and_claim(desk, "b") == ["一", "二"]


def test_an_upgrade_keeps_pending_messages_sendable(tmp_path: Path) -> None:
    from alembic import command
    from sqlalchemy import text

    engine = db.make_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    command.upgrade(db._alembic_config(engine), "0005_sla")
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO notifications (chat_id, text, kind, status, attempts, created_at, "
            "next_attempt_at, meta) VALUES (1001, '升级前的消息', 'message', 'pending', 3, "
            "'2026-01-05 01:00:00', '2026-01-05 01:00:00', '{}')"))
    assert db.upgrade(engine) == ("0005_sla", db.HEAD)
    from sqlalchemy.orm import Session

    with Session(engine) as session:
        now = session.scalar(select(Notification.created_at)) + timedelta(minutes=1)
        items = outbox.claim(session, outbox.due(session, now), "a", now, LEASE)
        assert [(n.text, n.attempts, n.claimed_by) for n in items] == [("升级前的消息", 3, "a")]
    engine.dispose()


async def test_retry_and_failure_records_are_database_work(desk: Desk) -> None:
    """On PostgreSQL database work runs off the event loop's network waits (bot.db_work):
    the sender's retry and failure records go through it, like its sent records."""
    from schedules.outbox_sender import OutboxSender

    enqueue(desk, 1001, "一", "二")
    with desk.sessions.begin() as session:
        first, second = outbox.due(session, desk.clock.now())
        session.expunge_all()
    sender, ran = OutboxSender(desk, bot=None), []
    real = desk.database.run

    async def spy(fn, *args):
        ran.append(fn.__name__)
        return await real(fn, *args)

    desk.database.run = spy
    try:
        await sender._retry(first, timedelta(seconds=2), "NetworkError: down")
        await sender._fail(second, "Forbidden: bot was blocked by the user")
    finally:
        await desk.database.aclose()  # the loop's connections (PostgreSQL), closed cleanly
    assert ran == ["_mark", "_mark"]
    with desk.sessions.begin() as session:
        rows = {n.text: (n.status, n.attempts) for n in session.scalars(select(Notification))}
    assert rows == {"一": ("pending", 1), "二": ("failed", 1)}
