"""A fresh database per test: a SQLite file, or a new schema on the PostgreSQL under test."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import create_engine, text

POSTGRES_ENV = "GOVDESK_TEST_DATABASE_URL"


def postgres_url() -> str | None:
    """The PostgreSQL server the suite runs against, if one was given."""
    return os.environ.get(POSTGRES_ENV) or None


@contextmanager
def fresh_database_url(tmp_path: Path) -> Iterator[str]:
    """Yield the URL of an empty database, removed afterwards."""
    base = postgres_url()
    if base is None:
        yield f"sqlite:///{tmp_path / 'govdesk.sqlite3'}"
        return
    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in base else "?"
    try:
        yield f"{base}{separator}options={quote(f'-csearch_path={schema}')}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def wipe_database(url: str) -> None:
    """Make the database disappear: a SQLite file deleted, a PostgreSQL schema emptied."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{parsed.database}{suffix}").unlink(missing_ok=True)
        return
    engine = create_engine(url)
    with engine.begin() as connection:
        schema = connection.execute(text("SELECT current_schema()")).scalar_one()
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
