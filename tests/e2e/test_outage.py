"""Telegram unreachable: starting while the Bot API is down, stopping while it hangs."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

import pytest
from telegram.ext import Application

from bot import outbox
from bot.app import build_application
from bot.desk import Desk
from bot.sandbox.emulator import BotApiEmulator
from bot.serve import serve
from handlers.notify import SENDER_KEY
from schedules.outbox_sender import OutboxSender
from schedules.scheduler import SCHEDULER_KEY
from tests.e2e.test_report import walk_to_summary
from tests.support.sandbox import Chatter, button_data, running_bot, telegram

REPORTER, OTHER, INFRA_GROUP = 1001, 1002, -1001


def bot_texts(emulator: BotApiEmulator, chat_id: int) -> list[str]:
    return [m.get("text", "") for m in emulator.messages(chat_id) if m.get("from_bot")]


def bot_against(desk: Desk, emulator: BotApiEmulator, poll_timeout: int = 2) -> Application:
    settings = replace(desk.settings.telegram, token=emulator.token, api_url=emulator.base_url,
                       file_api_url=emulator.base_file_url, poll_timeout=poll_timeout)
    desk.settings = replace(desk.settings, telegram=settings)
    return build_application(desk)


async def until(check: Callable[[], bool], timeout: float = 8.0) -> None:
    async with asyncio.timeout(timeout):
        while not check():
            await asyncio.sleep(0.02)


def attempts_logged(caplog: pytest.LogCaptureFixture) -> int:
    return sum("Bot API is not reachable" in r.getMessage() for r in caplog.records)


async def test_starting_while_the_api_is_down_keeps_trying_and_runs_the_services(
        desk: Desk, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="bot.serve")
    with desk.sessions.begin() as session:
        outbox.enqueue(session, desk.clock.now(), REPORTER, "停机期间排队的消息")
    async with telegram(desk) as emulator:
        emulator.faults.set_down(True)
        application = bot_against(desk, emulator)
        stop = asyncio.Event()
        served = asyncio.create_task(serve(application, stop_event=stop, retry=(0.05, 0.2)))
        await until(lambda: attempts_logged(caplog) >= 3)
        assert not served.done()  # no exit: it keeps trying
        assert application.bot_data[SCHEDULER_KEY].running  # the SLA sweep & co. run
        assert emulator.calls_to("sendMessage")  # the outbox sender tried meanwhile
        emulator.faults.set_down(False)
        await until(lambda: application.running)
        await emulator.send_text(OTHER, OTHER, "/help")
        await until(lambda: any("/report" in text for text in bot_texts(emulator, OTHER)))
        # a reply went through: what waited for the Bot API is sent now, not after back-off
        await until(lambda: bot_texts(emulator, REPORTER) == ["停机期间排队的消息"])
        stop.set()
        await asyncio.wait_for(served, 5)


async def test_a_stop_while_getupdates_hangs_takes_under_five_seconds(desk: Desk) -> None:
    async with telegram(desk) as emulator:
        application = bot_against(desk, emulator, poll_timeout=30)  # as `govdesk run`
        stop = asyncio.Event()
        served = asyncio.create_task(serve(application, stop_event=stop))
        await until(lambda: application.running)
        emulator.faults.timeout_hold = 60.0
        emulator.faults.fail_next("getUpdates", 100, "timeout")  # Telegram stops answering
        await emulator.send_text(REPORTER, REPORTER, "/help")  # ends the poll in flight
        await until(lambda: ("getUpdates", "timeout") in emulator.faults.injected)
        began = time.monotonic()
        stop.set()
        await asyncio.wait_for(served, 30)
        assert time.monotonic() - began < 5.0


async def test_replies_during_an_outage_arrive_afterwards_in_order_once(desk: Desk) -> None:
    """Telegram takes updates but fails every message for a while (502, dropped
    connections): what people must see arrives when it is back, in order, once."""
    async with running_bot(desk) as chat:
        summary = await walk_to_summary(chat, REPORTER, "三楼整层断网，交换机指示灯不亮")
        before = len(bot_texts(chat.emulator, REPORTER))
        faults = chat.emulator.faults
        faults.fail_next("sendMessage", 1000, "502")
        faults.fail_next("answerCallbackQuery", 1000, "drop")
        faults.fail_next("editMessageReplyMarkup", 1000, "502")
        await chat.emulator.press_button(REPORTER, REPORTER, summary["message_id"],
                                         button_data(summary, "确认提交"))
        await until(lambda: failed_sends(chat) >= 1)
        await chat.send(REPORTER, "/help")
        await chat.send(OTHER, "/help")
        await until(lambda: failed_sends(chat) >= 2)  # the reporter's /help waits unsent
        await asyncio.sleep(0.2)  # the handlers finish
        assert bot_texts(chat.emulator, REPORTER)[before:] == []  # nothing got through
        faults.planned.clear()  # Telegram is back; the outbox's back-off runs on desk time
        desk.clock.advance(timedelta(seconds=61))
        sender(chat).wake()
        await until(lambda: len(bot_texts(chat.emulator, OTHER)) == 1
                    and len(bot_texts(chat.emulator, REPORTER)) == before + 2)
        submitted, help_text = bot_texts(chat.emulator, REPORTER)[before:]
        assert "报修已提交" in submitted and "工单号" in submitted
        assert "/report" in help_text and "/report" in bot_texts(chat.emulator, OTHER)[0]
        await until(lambda: len(bot_texts(chat.emulator, INFRA_GROUP)) == 1)  # the card
        await asyncio.sleep(0.3)  # nothing more comes (once)
        assert len(bot_texts(chat.emulator, REPORTER)) == before + 2
        assert len(bot_texts(chat.emulator, INFRA_GROUP)) == 1


def failed_sends(chat: Chatter) -> int:
    return sum(c.status != 200 for c in chat.emulator.calls_to("sendMessage")
               if str(c.params.get("chat_id")) in (str(REPORTER), str(OTHER)))


def sender(chat: Chatter) -> OutboxSender:
    return chat.application.bot_data[SENDER_KEY]
