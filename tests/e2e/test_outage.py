"""Telegram unreachable: starting while the Bot API is down, stopping while it hangs."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import replace

import pytest
from telegram.ext import Application

from bot import outbox
from bot.app import build_application
from bot.desk import Desk
from bot.sandbox.emulator import BotApiEmulator
from bot.serve import serve
from schedules.scheduler import SCHEDULER_KEY
from tests.support.sandbox import telegram

REPORTER, OTHER = 1001, 1002


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
