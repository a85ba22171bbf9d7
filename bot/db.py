"""Database engine, sessions and migrations."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, exc, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker

from bot.migrations import HEAD

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig
    from sqlalchemy.ext.asyncio import AsyncEngine

logger = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"


def make_engine(url: str) -> Engine:
    """Create the engine; SQLite gets WAL, a busy timeout and foreign keys."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_engine(url, pool_size=10, max_overflow=20)
    _ping_when_idle(engine)
    return engine


def make_loop_engine(url: URL, size: int) -> AsyncEngine:
    """make_engine's asyncio twin for a database server, for work the bot runs on its event
    loop (bot.db_work): `size` connections kept, as many more when busy."""
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(url, pool_size=size, max_overflow=size)
    _ping_when_idle(engine.sync_engine)
    return engine


#: A pooled server connection unused for longer than this is checked before it is used.
IDLE_PING_SECONDS = 10.0


def _ping_when_idle(engine: Engine) -> None:
    """Check a pooled connection before use only if it sat idle (a server restart, a
    firewall's idle timeout): a dead one is replaced and the caller never sees it.

    SQLAlchemy's pool_pre_ping would check every checkout: one more round trip for every
    transaction, the largest single cost of a claim press on PostgreSQL. Under load the
    connections are never idle, so they are not pinged; a server restart under load costs
    at most one failed transaction, after which SQLAlchemy renews the whole pool.
    """

    def checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    def checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since <= IDLE_PING_SECONDS:
            return
        try:
            cursor = dbapi_connection.cursor()
            cursor.execute("SELECT 1")
            cursor.close()
            dbapi_connection.rollback()
        except Exception as error:  # any failure: the pool connects anew and retries
            raise exc.DisconnectionError(str(error)) from error

    event.listen(engine, "checkin", checkin)
    event.listen(engine, "checkout", checkout)


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_sessions(engine: Engine) -> sessionmaker[Session]:
    """The session factory every caller uses (`with sessions.begin() as s:`)."""
    sessions = sessionmaker(engine, expire_on_commit=False)
    # first of the after_commit hooks, so that one failing after it cannot hide the commit
    event.listen(sessions, "after_commit", _mark_committed, insert=True)
    event.listen(sessions, "after_transaction_create", _clear_committed)
    return sessions


_COMMITTED = "committed"


def committed(session: Session) -> bool:
    """Whether the session's last transaction reached the database's COMMIT — even if an
    after_commit hook raised after it (the caller then sees the hook's exception)."""
    return bool(session.info.get(_COMMITTED))


def _mark_committed(session: Session) -> None:
    session.info[_COMMITTED] = True


def _clear_committed(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        session.info.pop(_COMMITTED, None)


def _alembic_config(engine: Engine | None) -> AlembicConfig:
    from alembic.config import Config as AlembicConfig

    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def head_revision() -> str:
    """The newest migration in bot/migrations/versions (alembic's view; see HEAD)."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(_alembic_config(None))
    head = script.get_current_head()
    assert head is not None
    return head


class UnknownRevision(Exception):
    """The database is at a migration this code does not have: a newer govdesk made it."""

    def __init__(self, revision: str, head: str) -> None:
        super().__init__(f"database revision {revision} is unknown (this code's head: {head})")
        self.revision = revision
        self.head = head


def is_known_revision(revision: str) -> bool:
    """Whether `revision` is one of this code's migrations."""
    if revision == HEAD:
        return True
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    script = ScriptDirectory.from_config(_alembic_config(None))
    try:
        return script.get_revision(revision) is not None
    except CommandError:
        return False


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite database URL (None for a server or an in-memory database)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def display_url(url: str) -> str:
    """The URL without its password, for messages."""
    return make_url(url).render_as_string(hide_password=True)


def database_exists(url: str) -> bool:
    """False only for a SQLite file not created yet (connecting would create it)."""
    path = sqlite_file(url)
    return path is None or path.exists()


def current_revision(engine: Engine) -> str | None:
    """The migration the database is at (None for an empty database)."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Apply pending migrations; return (revision before, revision after).

    An up-to-date database is recognised without importing Alembic (start-up time). A
    database a newer govdesk migrated raises UnknownRevision before anything is changed.
    """
    before = current_revision(engine)
    if before == HEAD:
        return before, before
    if before is not None and not is_known_revision(before):
        raise UnknownRevision(before, head_revision())
    from alembic import command

    command.upgrade(_alembic_config(engine), "head")
    after = current_revision(engine)
    if before != after:
        logger.info("database migrated from %s to %s", before or "empty", after)
    return before, after or ""
