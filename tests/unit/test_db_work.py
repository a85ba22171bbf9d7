"""Database work off the event loop on PostgreSQL, and pooled connections checked when idle."""

from __future__ import annotations

import asyncio
import threading

import pytest
from sqlalchemy import text

from bot import db
from bot.desk import Desk


def _where(desk: Desk) -> tuple[str, int]:
    with desk.database.transaction() as session:
        return threading.current_thread().name, session.execute(text("SELECT 1")).scalar()


def _read(desk: Desk) -> int:
    with desk.database.transaction() as session:
        return session.execute(text("SELECT count(*) FROM people")).scalar()


async def test_work_runs_on_the_loop_thread_and_overlaps_on_a_server(desk: Desk) -> None:
    name, one = await desk.database.run(_where, desk)
    assert (name, one) == (threading.current_thread().name, 1)  # no thread hand-off
    results = await asyncio.gather(*(desk.database.run(_where, desk) for _ in range(20)))
    assert [one for _, one in results] == [1] * 20
    assert await desk.database.run(_read, desk) > 0
    if desk.engine.dialect.name == "sqlite":
        return
    # on a server the statements of concurrent work are on the wire at the same time
    sleeps = [desk.database.run(_sleep, desk) for _ in range(4)]
    started = asyncio.get_running_loop().time()
    await asyncio.gather(*sleeps)
    assert asyncio.get_running_loop().time() - started < 4 * SLEEP * 0.75
    await desk.database.aclose()


SLEEP = 0.2


def _sleep(desk: Desk) -> None:
    with desk.database.transaction() as session:
        session.execute(text("SELECT pg_sleep(:s)"), {"s": SLEEP})


async def test_work_in_flight_finishes_when_its_caller_is_cancelled(desk: Desk) -> None:
    if desk.engine.dialect.name == "sqlite":
        pytest.skip("inline on SQLite: nothing is in flight")
    done: list[bool] = []

    def slow(desk: Desk) -> None:
        _sleep(desk)
        done.append(True)

    caller = asyncio.ensure_future(desk.database.run(slow, desk))
    await asyncio.sleep(SLEEP / 4)
    caller.cancel()
    with pytest.raises(asyncio.CancelledError):
        await caller
    await desk.database.aclose()  # waits for the work, then closes its connection cleanly
    assert done == [True]
    assert await desk.database.run(_read, desk) > 0  # and opens new ones when needed
    await desk.database.aclose()


def test_loop_sessions_are_only_for_work_given_to_run(desk: Desk) -> None:
    if desk.engine.dialect.name == "sqlite":
        pytest.skip("inline on SQLite: the desk's own sessions")
    with pytest.raises(AssertionError, match="outside DatabaseWork.run"):
        with desk.database.transaction():
            pass


def test_an_idle_connection_killed_by_the_server_is_replaced(desk: Desk,
                                                             monkeypatch) -> None:
    if desk.engine.dialect.name == "sqlite":
        pytest.skip("a server connection is a PostgreSQL matter")
    with desk.sessions.begin() as session:
        pid = session.execute(text("SELECT pg_backend_pid()")).scalar()
    admin = db.make_engine(desk.settings.database_url)
    with admin.connect() as connection:
        connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        connection.commit()
    admin.dispose()
    monkeypatch.setattr(db, "IDLE_PING_SECONDS", 0.0)
    with desk.sessions.begin() as session:  # the dead connection is pinged and replaced
        assert session.execute(text("SELECT pg_backend_pid()")).scalar() != pid
