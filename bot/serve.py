"""Run an Application with long polling until SIGINT/SIGTERM, then shut down cleanly."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.ext import Application

from bot import memory

logger = logging.getLogger(__name__)

Hook = Callable[[], Awaitable[None]]


async def serve(application: Application, *, poll_timeout: int = 30,
                stop_event: asyncio.Event | None = None, settle: bool = False) -> None:
    """Poll for updates until a stop signal (or `stop_event`), stopping in reverse order.

    `settle`: once set up, before polling, freeze what start-up left alive and trim the heap
    (bot.memory) — for the long-running processes (`govdesk run`, `govdesk demo`), not for
    tests.
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
        async with application:
            if application.post_init is not None:  # run_polling would call it; we must too
                await application.post_init(application)
            if settle:  # before the first update: its full collection pauses for ~100 ms
                memory.settle()
            await application.updater.start_polling(
                poll_interval=0.0, timeout=poll_timeout, allowed_updates=Update.ALL_TYPES,
                drop_pending_updates=False,
            )
            await application.start()
            logger.info("govdesk is running; press Ctrl+C to stop")
            await stop.wait()
            logger.info("stopping")
            await application.updater.stop()
            await application.stop()
            if application.post_stop is not None:
                await application.post_stop(application)
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)
