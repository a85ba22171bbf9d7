"""One bot per database: the lock `govdesk run`, `govdesk demo` and `govdesk restore` hold.

Two locks, both released by the operating system or the server when the process ends, however
it ends (a crash, `kill -9`), so a stale lock can never keep a desk down:

- the data directory: an exclusive `flock` on `govdesk.lock` in it (the SQLite database and
  the search index live there); the holder writes its pid, host and start time into the file
  so a refusal can name it;
- PostgreSQL: also a session-level advisory lock, keyed by the schema, on a connection of
  its own kept open for as long as the lock is held (two data directories on one database).

Readers — and the CLI's writers, whose every change is one transaction — do not take it.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import socket
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from bot.clock import Clock, SystemClock
from bot.settings import Settings

logger = logging.getLogger(__name__)

LOCK_FILE = "govdesk.lock"
#: The advisory lock's first key ("gdk"); the second is derived from the schema's name.
ADVISORY_CLASS = 0x67646B

MSG_BUSY = ("✗ {place}已被另一个 govdesk 占用（{holder}）："
            "同一数据库只能运行一个机器人，请先停止它。")
MSG_PLACE_DIR = "数据目录 {path} "
MSG_PLACE_DB = "PostgreSQL 数据库（模式 {schema}）"
MSG_HOLDER = "{command}，进程 {pid}，主机 {host}，{since} 起"
MSG_HOLDER_UNKNOWN = "持有者未知"
#: The lock connection's application_name (PostgreSQL keeps it ASCII), shown by a refusal.
APPLICATION_NAME = "{command} pid {pid}@{host} since {since}"


class DeskBusy(Exception):
    """Another process holds the desk's lock."""

    def __init__(self, place: str, holder: str) -> None:
        super().__init__(MSG_BUSY.format(place=place, holder=holder))
        self.place = place
        self.holder = holder

    @property
    def line(self) -> str:
        return str(self)


@dataclass
class DeskLock:
    """The held locks; `release()` (or the end of the process) gives them up."""

    file: IO[str] | None
    connection: Connection | None = None
    engine: Engine | None = None

    def release(self) -> None:
        if self.connection is not None:
            try:
                self.connection.close()  # the session ends: its advisory lock goes with it
            except Exception:  # noqa: BLE001 - a dead connection has released it already
                logger.warning("closing the advisory lock's connection failed", exc_info=True)
            self.connection = None
        if self.engine is not None:
            self.engine.dispose()
            self.engine = None
        if self.file is not None:
            fcntl.flock(self.file.fileno(), fcntl.LOCK_UN)
            self.file.close()
            self.file = None

    def __enter__(self) -> DeskLock:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.release()


def acquire(settings: Settings, command: str, clock: Clock | None = None) -> DeskLock:
    """Take the desk's locks for `command` (run, demo, restore); raise DeskBusy if held."""
    stamp = _stamp(command, clock or SystemClock())
    held = DeskLock(_lock_file(settings.desk.data_dir, stamp))
    try:
        if make_url(settings.database_url).get_backend_name() == "postgresql":
            held.engine = create_engine(settings.database_url, poolclass=NullPool)
            held.connection = _advisory_lock(held.engine, stamp)
    except BaseException:
        held.release()
        raise
    return held


def holder(settings: Settings) -> str | None:
    """Who holds the data directory's lock now (None when nobody does); takes nothing."""
    path = settings.desk.data_dir / LOCK_FILE
    try:
        with open(path, encoding="utf-8") as file:
            try:
                fcntl.flock(file.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                return _describe(file.read())
            fcntl.flock(file.fileno(), fcntl.LOCK_UN)
    except FileNotFoundError:
        pass
    return None


def _stamp(command: str, clock: Clock) -> dict[str, Any]:
    return {"command": f"govdesk {command}", "pid": os.getpid(), "host": socket.gethostname(),
            "since": clock.now().astimezone().strftime("%Y-%m-%d %H:%M:%S")}


def _describe(content: str) -> str:
    try:
        return MSG_HOLDER.format(**json.loads(content))
    except (ValueError, TypeError, KeyError):
        return MSG_HOLDER_UNKNOWN


def _lock_file(directory: Path, stamp: dict[str, Any]) -> IO[str]:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / LOCK_FILE
    file = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - held until release()
    try:
        fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        file.seek(0)
        content = file.read()
        file.close()
        raise DeskBusy(MSG_PLACE_DIR.format(path=directory.resolve()),
                       _describe(content)) from None
    file.seek(0)
    file.truncate()
    file.write(json.dumps(stamp, ensure_ascii=False))
    file.flush()
    return file


def _advisory_lock(engine: Engine, stamp: dict[str, Any]) -> Connection:
    connection = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    try:
        schema = connection.execute(text("SELECT current_schema()")).scalar_one()
        key = schema_key(schema)
        connection.execute(text("SELECT set_config('application_name', :name, false)"),
                           {"name": APPLICATION_NAME.format(**stamp)[:63]})
        taken = connection.execute(text("SELECT pg_try_advisory_lock(:cls, :key)"),
                                   {"cls": ADVISORY_CLASS, "key": key}).scalar_one()
        if not taken:
            raise DeskBusy(MSG_PLACE_DB.format(schema=schema), _advisory_holder(connection, key))
    except BaseException:
        connection.close()
        raise
    return connection


def schema_key(schema: str) -> int:
    """The advisory lock's second key: a stable 31-bit number for the schema's name."""
    return zlib.crc32(schema.encode()) & 0x7FFFFFFF


def _advisory_holder(connection: Connection, key: int) -> str:
    name = connection.execute(text(
        "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = :cls AND l.objid = :key "
        "AND l.objsubid = 2 AND l.database = (SELECT oid FROM pg_database "
        "WHERE datname = current_database())"), {"cls": ADVISORY_CLASS, "key": key}).scalar()
    return name or MSG_HOLDER_UNKNOWN
