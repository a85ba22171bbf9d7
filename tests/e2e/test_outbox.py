"""The notification outbox through the emulator: the Bot API failing, answering 429, timing
out, down for ten minutes, a person who blocked the bot. Nothing lost, nothing twice, and each
chat's messages in order. Retry delays run on the frozen desk clock, so the tests move it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select

from bot import outbox
from bot.desk import Desk
from bot.models import Notification
from handlers.notify import SENDER_KEY
from schedules.outbox_sender import OutboxSender
from tests.support.sandbox import Chatter, running_bot

REPORTER, OTHER, INFRA_GROUP = 1001, 1002, -1001


def enqueue(desk: Desk, chat_id: int, *texts: str) -> None:
    with desk.sessions.begin() as session:
        for text in texts:
            outbox.enqueue(session, desk.clock.now(), chat_id, text)


def sender(chat: Chatter) -> OutboxSender:
    return chat.application.bot_data[SENDER_KEY]


def rows(desk: Desk) -> list[Notification]:
    with desk.sessions.begin() as session:
        return list(session.scalars(select(Notification).order_by(Notification.id)))


async def until(check: Callable[[], bool], timeout: float = 8.0) -> None:
    """Wait (real time) until `check()` holds."""
    async with asyncio.timeout(timeout):
        while not check():
            await asyncio.sleep(0.02)


def texts(chat: Chatter, chat_id: int) -> list[str]:
    return [m["text"] for m in chat.bot_messages(chat_id)]


async def tick(desk: Desk, chat: Chatter, seconds: float) -> None:
    """Let desk time pass (retry delays, pauses) and wake the sender."""
    desk.clock.advance(timedelta(seconds=seconds))
    sender(chat).wake()
    await asyncio.sleep(0)


async def test_a_failing_api_delays_but_keeps_order_and_sends_once(desk: Desk) -> None:
    async with running_bot(desk) as chat:
        chat.emulator.faults.fail_next("sendMessage", 1, "500")
        enqueue(desk, REPORTER, "消息一", "消息二", "消息三")
        enqueue(desk, OTHER, "给赵强")
        sender(chat).wake()
        await until(lambda: any(n.attempts for n in rows(desk)))
        assert texts(chat, REPORTER) == []  # held back: the first failed, order is kept
        await tick(desk, chat, 3)
        await until(lambda: all(n.status == "sent" for n in rows(desk)))
        assert texts(chat, REPORTER) == ["消息一", "消息二", "消息三"]
        assert texts(chat, OTHER) == ["给赵强"]
        assert chat.emulator.faults.injected == [("sendMessage", "500")]


async def test_429_waits_what_telegram_asked_then_sends_once(desk: Desk) -> None:
    async with running_bot(desk) as chat:
        chat.emulator.faults.fail_next("sendMessage", 2, "429", retry_after=1)
        enqueue(desk, INFRA_GROUP, "群消息")
        sender(chat).wake()
        await until(lambda: rows(desk)[0].attempts == 1, timeout=6)  # the limiter retried once
        assert rows(desk)[0].status == "pending" and "Flood" in (rows(desk)[0].error or "")
        await tick(desk, chat, 1.5)
        await until(lambda: rows(desk)[0].status == "sent")
        assert texts(chat, INFRA_GROUP) == ["群消息"]
        statuses = [c.status for c in chat.emulator.calls_to("sendMessage")]
        assert statuses == [429, 429, 200]


async def test_a_timed_out_request_is_retried(desk: Desk) -> None:
    async with running_bot(desk) as chat:
        chat.emulator.faults.fail_next("sendMessage", 1, "timeout")
        enqueue(desk, REPORTER, "超时后重发")
        sender(chat).wake()
        await until(lambda: rows(desk)[0].attempts == 1, timeout=10)  # PTB gives up after 5 s
        assert "TimedOut" in rows(desk)[0].error
        await tick(desk, chat, 3)
        await until(lambda: rows(desk)[0].status == "sent")
        assert texts(chat, REPORTER) == ["超时后重发"]


async def test_ten_minutes_down_loses_nothing_and_does_not_hammer(desk: Desk) -> None:
    async with running_bot(desk) as chat:
        chat.emulator.faults.set_down(True)
        expected = {REPORTER: [f"报修人 {i}" for i in range(5)],
                    OTHER: [f"赵强 {i}" for i in range(5)],
                    INFRA_GROUP: [f"群 {i}" for i in range(5)]}
        for i in range(5):
            for chat_id, lines in expected.items():
                enqueue(desk, chat_id, lines[i])
        sender(chat).wake()
        await until(lambda: any(n.attempts for n in rows(desk)))
        for _ in range(10):  # ten minutes of desk time, a look every minute
            await tick(desk, chat, 60)
            await until(lambda: not sender(chat)._busy)
        probes = sum(n.attempts for n in rows(desk))
        assert probes <= 12  # one probe per pause, not one per message
        chat.emulator.faults.set_down(False)
        await tick(desk, chat, 61)
        await until(lambda: all(n.status == "sent" for n in rows(desk)), timeout=15)
        for chat_id, lines in expected.items():
            assert texts(chat, chat_id) == lines
        assert chat.emulator.faults.rate_limits.violations == []


async def test_a_person_who_blocked_the_bot_is_not_retried(desk: Desk) -> None:
    async with running_bot(desk) as chat:
        chat.emulator.set_blocked(OTHER)
        enqueue(desk, OTHER, "发不出去", "这条也是")
        enqueue(desk, REPORTER, "照常送达")
        sender(chat).wake()
        await until(lambda: all(n.status != "pending" for n in rows(desk)))
        by_text = {n.text: n for n in rows(desk)}
        assert by_text["照常送达"].status == "sent"
        assert by_text["发不出去"].status == by_text["这条也是"].status == "failed"
        assert "blocked" in by_text["发不出去"].error and by_text["发不出去"].attempts == 1
        await tick(desk, chat, 3600)
        await asyncio.sleep(0.2)
        assert len(chat.emulator.calls_to("sendMessage")) == 3


async def test_a_busy_group_does_not_hold_up_private_chats(desk: Desk) -> None:
    async with running_bot(desk) as chat:
        enqueue(desk, INFRA_GROUP, *(f"群 {i}" for i in range(22)))  # past 20 a minute
        enqueue(desk, REPORTER, "私聊不用等")
        sender(chat).wake()
        await chat.emulator.wait_for_message(REPORTER, timeout=3)
        await until(lambda: len(texts(chat, INFRA_GROUP)) >= 19, timeout=5)
        assert texts(chat, INFRA_GROUP)[:19] == [f"群 {i}" for i in range(19)]
        assert len(texts(chat, INFRA_GROUP)) < 22  # the rest wait for the group's limit
        assert chat.emulator.faults.rate_limits.violations == []


async def test_two_senders_never_send_a_message_twice(desk: Desk) -> None:
    """One bot per database is the rule; even so, two senders share the outbox safely."""
    async with running_bot(desk) as chat:
        second = OutboxSender(desk, chat.application.bot)
        expected = {REPORTER: [f"报修人 {i}" for i in range(8)],
                    OTHER: [f"赵强 {i}" for i in range(8)]}
        for chat_id, lines in expected.items():
            enqueue(desk, chat_id, *lines)
        await asyncio.gather(sender(chat).flush(), second.flush(), sender(chat).flush())
        for chat_id, lines in expected.items():
            assert texts(chat, chat_id) == lines
        assert {n.status for n in rows(desk)} == {"sent"}
