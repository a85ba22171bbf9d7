"""Run an Application with long polling until SIGINT/SIGTERM, then shut down cleanly.

Telegram may be unreachable at start: the bot then keeps trying to connect (getMe) with
back-off (1 s, 2 s … a minute), one log line per attempt, while its background services (SLA
sweep and the other scheduled jobs, the outbox sender) already run; polling starts once the
Bot API answers. A stop signal ends the wait at once, and stopping never waits long for a
Bot API that does not answer: a hanging getUpdates is abandoned (PTB cancels it), and the
last call that confirms the fetched updates gets STOP_GRACE seconds.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.error import InvalidToken, TelegramError
from telegram.ext import Application

from bot import memory

logger = logging.getLogger(__name__)

Hook = Callable[[], Awaitable[None]]
FIRST_RETRY = 1.0  # seconds before the second attempt to reach the Bot API; doubles
MAX_RETRY = 60.0
STOP_GRACE = 3.0  # seconds for confirming the fetched updates when stopping


async def serve(application: Application, *, poll_timeout: int = 30,
                stop_event: asyncio.Event | None = None, settle: bool = False,
                retry: tuple[float, float] = (FIRST_RETRY, MAX_RETRY)) -> None:
    """Poll for updates until a stop signal (or `stop_event`), stopping in reverse order.

    `settle`: once set up, before polling, freeze what start-up left alive and trim the heap
    (bot.memory) — for the long-running processes (`govdesk run`, `govdesk demo`), not for
    tests. `retry`: the first and the longest pause between attempts to reach the Bot API.
    """
    stop = stop_event or asyncio.Event()
    loop = asyncio.get_running_loop()
    installed = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
            installed.append(sig)
        except (NotImplementedError, RuntimeError):  # not the main thread
            pass
    try:
        await _serve(application, poll_timeout, stop, settle, retry)
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)


async def _serve(application: Application, poll_timeout: int, stop: asyncio.Event,
                 settle: bool, retry: tuple[float, float]) -> None:
    connected = services = False
    try:
        # the first attempt also opens the bot's connections, which the services need
        connected = await _attempt(application, stop, 1)
        if application.post_init is not None:  # run_polling would call it; we must too
            services = True  # post_stop copes with a post_init that failed half-way
            await application.post_init(application)
        if settle:  # before the first update: its full collection pauses for ~100 ms
            memory.settle()
        if not connected:
            connected = await _connect(application, stop, retry)
        if connected:
            await _poll(application, poll_timeout, stop)
    finally:
        if services and application.post_stop is not None:
            await application.post_stop(application)
        if connected:
            await application.shutdown()
        else:  # never initialized: Application.shutdown would skip the bot's connections
            await application.bot.shutdown()


async def _attempt(application: Application, stop: asyncio.Event, attempt: int) -> bool:
    """One try to initialize the application (getMe); a stop signal ends it at once."""
    if stop.is_set():
        return False
    try:
        return await _until_stopped(application.initialize(), stop)
    except InvalidToken:
        raise
    except TelegramError as error:
        logger.warning("the Bot API is not reachable (attempt %d): %s", attempt, error)
        return False


async def _connect(application: Application, stop: asyncio.Event,
                   retry: tuple[float, float]) -> bool:
    """Try again with back-off until the Bot API answers (True) or a stop signal (False)."""
    delay, attempt = retry[0], 1
    while True:
        logger.info("next attempt to reach the Bot API in %.3g s", delay)
        try:
            await asyncio.wait_for(stop.wait(), delay)
            return False
        except TimeoutError:
            pass
        attempt += 1
        if await _attempt(application, stop, attempt):
            logger.info("the Bot API answered after %d attempts", attempt)
            return True
        if stop.is_set():
            return False
        delay = min(delay * 2, retry[1])


async def _until_stopped(work: Awaitable[Any], stop: asyncio.Event) -> bool:
    """Await `work`; True when it finished, False (cancelled) when `stop` came first."""
    task = asyncio.ensure_future(work)
    stopped = asyncio.ensure_future(stop.wait())
    await asyncio.wait((task, stopped), return_when=asyncio.FIRST_COMPLETED)
    stopped.cancel()
    if not task.done():
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        return False
    task.result()
    return True


async def _poll(application: Application, poll_timeout: int, stop: asyncio.Event) -> None:
    await application.updater.start_polling(
        poll_interval=0.0, timeout=poll_timeout, allowed_updates=Update.ALL_TYPES,
        drop_pending_updates=False,
    )
    try:
        await application.start()
        logger.info("govdesk is running; press Ctrl+C to stop")
        await stop.wait()
        logger.info("stopping")
    finally:
        try:  # a hanging Bot API must not hold the stop for getUpdates' read timeout (40 s)
            await asyncio.wait_for(application.updater.stop(), STOP_GRACE)
        except TimeoutError:
            logger.warning("the Bot API did not confirm the last updates within %.0f s; "
                           "they may be delivered again at the next start", STOP_GRACE)
        if application.running:
            await application.stop()
