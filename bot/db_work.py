"""Run a unit of database work where it keeps the event loop free.

The bot answers everyone on one event loop, and its database calls block. On SQLite a call
is a local function call with one writer at a time, so it runs inline: a thread would only
add hand-offs and lock waits. On PostgreSQL every statement is a network round trip; the
hot paths (a claim press: look up the presser, the conditional UPDATE, commit; a card's
state) run in a small pool of threads instead, so the round-trip waits of many presses
overlap while the loop parses the next updates. The driver releases the GIL while it waits.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import TypeVar

from sqlalchemy import Engine

T = TypeVar("T")
#: Threads for PostgreSQL work (below the engine's pool size in bot.db, so none waits for a
#: connection). The work is mostly Python holding the GIL, so more threads only contend:
#: in tests/benchmarks/bench_claims.py two did as well as or better than one, four or eight.
WORKERS = 2


class DatabaseWork:
    """`await work.run(fn, *args)`: fn(*args) inline on SQLite, in a thread otherwise."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.inline = engine.dialect.name == "sqlite"
        self._pool: ThreadPoolExecutor | None = None

    async def run(self, fn: Callable[..., T], *args: object) -> T:
        if self.inline:
            return fn(*args)
        if self._pool is None:
            self._pool = ThreadPoolExecutor(WORKERS, thread_name_prefix="govdesk-db")
        return await asyncio.get_running_loop().run_in_executor(self._pool, partial(fn, *args))

    def warm(self) -> None:
        """Open the connections the threads will use now, not on the first busy second."""
        if self.inline:
            return
        connections = [self.engine.connect() for _ in range(WORKERS)]
        for connection in connections:
            connection.close()

    def close(self) -> None:
        """Let the running work finish and stop the threads."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
