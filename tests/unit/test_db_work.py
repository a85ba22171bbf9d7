"""Database work off the event loop on PostgreSQL, and pooled connections checked when idle."""

from __future__ import annotations

import asyncio
import threading

import pytest
from sqlalchemy import text

from bot import db
from bot.desk import Desk


def _where(desk: Desk) -> tuple[str, int]:
    with desk.sessions.begin() as session:
        return threading.current_thread().name, session.execute(text("SELECT 1")).scalar()


async def test_work_runs_inline_on_sqlite_and_in_a_thread_otherwise(desk: Desk) -> None:
    name, one = await desk.database.run(_where, desk)
    assert one == 1
    if desk.engine.dialect.name == "sqlite":
        assert name == threading.current_thread().name
    else:
        assert name.startswith("govdesk-db")
    results = await asyncio.gather(*(desk.database.run(_where, desk) for _ in range(20)))
    assert [one for _, one in results] == [1] * 20


def test_reads_see_committed_rows(desk: Desk) -> None:
    with desk.reads() as session:
        assert session.execute(text("SELECT count(*) FROM people")).scalar() > 0


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
