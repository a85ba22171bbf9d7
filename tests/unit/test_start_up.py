"""`govdesk run` start-up: migrations and the directory sync do not hold the event loop."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import replace

from bot import commands
from bot.settings import Settings


async def test_the_desk_opens_off_the_event_loop(settings: Settings, monkeypatch) -> None:
    """While the database is migrated (on PostgreSQL: network round trips, perhaps waiting
    for another process's lock), the loop keeps running (signals, anything scheduled)."""
    loop_ran = threading.Event()
    seen: list[bool] = []

    def opening(_settings: Settings, _clock: object = None, **_options: object) -> None:
        seen.append(loop_ran.wait(5))  # returns at once unless the loop is held
        raise OSError("stop after opening")  # reported by _open as a database problem

    monkeypatch.setattr(commands, "open_desk", opening)
    asyncio.get_running_loop().call_soon(loop_ran.set)
    with_token = replace(settings, telegram=replace(settings.telegram, token="1:test"))
    assert await commands.run_bot(with_token) == commands.EXIT_FAILED
    assert seen == [True]
