"""Run a unit of database work without blocking the event loop on the network.

The bot answers everyone on one event loop, and the ORM is synchronous. On SQLite a call is
a local function call with one writer at a time, so the work runs inline. On PostgreSQL
every statement is a network round trip: the hot paths that hold no lock (a card's state,
the outbox's reads and records) run on the loop as greenlets over an asyncio driver connection,
SQLAlchemy's own bridge between its synchronous ORM and asyncio (what AsyncSession.run_sync
uses). While a statement is on the wire the loop parses and answers the next updates.

Threads were the first design: under load they were slower than inline work. Each round
trip releases the GIL and must win it back from a busy event loop, which waits up to the
interpreter's 5 ms switch interval — a claim of ten round trips took 110 ms in a thread
beside a busy loop against 7 ms alone (docs/DECISIONS.md, "Performance under load").

Work run here opens its sessions with `transaction()`, which is bound to the loop's
connections on PostgreSQL and is the desk's ordinary session on SQLite.

The rule for what may run here: **work that holds no lock that code on the loop could wait
for** — reads (PostgreSQL reads take no row locks), and writes to rows that only this work
touches (the outbox marking its own messages sent). Most of the desk's code runs its
transactions inline on the loop; if such a transaction waited for a lock held by work
suspended here, the loop could never resume that work to release it, and the bot would hang.
So a transaction that changes a ticket (the claims of a moment, handlers.claims) runs inline,
never here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.util import greenlet_spawn

from bot import db

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

T = TypeVar("T")
#: Units of work in flight at once on PostgreSQL (each holds a connection); more wait in
#: order. Their Python runs on the one event loop, so more would only interleave.
CONCURRENCY = 4


class DatabaseWork:
    """`await work.run(fn, *args)`: fn(*args) inline on SQLite, as a greenlet otherwise."""

    def __init__(self, engine: Engine, sessions: sessionmaker[Session]) -> None:
        self.engine = engine
        self.inline = engine.dialect.name == "sqlite"
        self._sessions = sessions
        self._loop_engine: AsyncEngine | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._slots: asyncio.Semaphore | None = None
        self._running: set[asyncio.Future[object]] = set()

    async def run(self, fn: Callable[..., T], *args: object) -> T:
        if self.inline:
            return fn(*args)
        await self._attach()
        # a unit of work, once started, finishes even if its caller is cancelled (a shutdown):
        # a statement cut off mid-flight would leave its connection unusable
        task = asyncio.ensure_future(self._spawn(fn, *args))
        self._running.add(task)
        task.add_done_callback(_settled)
        task.add_done_callback(self._running.discard)
        return await asyncio.shield(task)

    async def _spawn(self, fn: Callable[..., T], *args: object) -> T:
        assert self._slots is not None
        async with self._slots:
            return await greenlet_spawn(fn, *args)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session in a transaction, committed at the end (inside work given to run())."""
        if self.inline:
            with self._sessions.begin() as session:
                yield session
            return
        assert self._loop_engine is not None, "transaction() outside DatabaseWork.run"
        with self._sessions(bind=self._loop_engine.sync_engine) as session, session.begin():
            yield session

    async def warm(self) -> None:
        """Open the loop's connections now, not on the first busy second."""
        if self.inline:
            return
        await self._attach()
        assert self._loop_engine is not None
        connections = [await self._loop_engine.connect() for _ in range(CONCURRENCY)]
        for connection in connections:
            await connection.close()

    async def _attach(self) -> None:
        """The asyncio engine of the running loop (a new loop gets new connections)."""
        loop = asyncio.get_running_loop()
        if self._loop is loop:
            return
        await self.aclose()
        self._loop_engine = db.make_loop_engine(self.engine.url, CONCURRENCY)
        self._loop, self._slots = loop, asyncio.Semaphore(CONCURRENCY)

    async def aclose(self) -> None:
        """Let the work in flight finish, then close the loop's connections (in the loop that
        opened them)."""
        if self._running:
            await asyncio.wait(set(self._running))
        engine, self._loop_engine, self._loop = self._loop_engine, None, None
        if engine is not None:
            await engine.dispose()

    def close(self) -> None:
        """Forget the loop's connections if the loop that owns them is gone (see aclose)."""
        engine, self._loop_engine, self._loop = self._loop_engine, None, None
        if engine is not None:
            engine.sync_engine.dispose(close=False)


def _settled(task: asyncio.Future[object]) -> None:
    """Mark a unit of work's outcome as seen (its caller may have gone: a shutdown)."""
    if not task.cancelled():
        task.exception()
