"""PostgreSQL backups with the server's own tools: `pg_dump` and `pg_restore`.

The desk's schema (the connection's current schema) is dumped in pg_dump's custom format. A
restore runs, in one transaction, the drop of the desk's own tables and the dump's objects
(everything but the schema itself, which exists already).
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import URL, make_url

from bot import db
from bot.settings import Settings

DUMP_FILE = "govdesk.dump"
MSG_NO_TOOL = ("✗ 找不到 PostgreSQL 的 {tool}：请安装 PostgreSQL 客户端（Debian/Ubuntu：apt-get "
               "install postgresql-client，版本不低于服务器），或把它所在目录加入 PATH。")
MSG_TOOL_FAILED = "✗ {tool} 失败：{error}"


def find_tool(name: str) -> str | None:
    """The PostgreSQL program on PATH, else the newest in Debian's /usr/lib/postgresql."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=_major_version)
    return candidates[-1] if candidates else None


def _major_version(path: str) -> int:
    """15 for /usr/lib/postgresql/15/bin/pg_dump."""
    version = Path(path).parts[-3]
    return int(version) if version.isdigit() else 0


def dump(settings: Settings, target: Path) -> tuple[Path, str | None, int]:
    """pg_dump the desk's schema into target/govdesk.dump; (file, revision, tickets)."""
    from bot.backup import BackupError, count_tickets

    tool = _tool("pg_dump", BackupError)
    schema, revision = _schema_and_revision(settings)
    tickets = count_tickets(settings) or 0
    file = target / DUMP_FILE
    _run([tool, "--format=custom", "--no-owner", "--no-privileges", f"--schema={schema}",
          f"--file={file}", _libpq(settings)], settings, BackupError)
    return file, revision, tickets


def restore(settings: Settings, file: Path) -> None:
    """Replace the desk's tables with those of the dump, in one transaction: the desk's
    own tables are dropped and the dump's SQL (pg_restore) is run by psql, all or nothing."""
    from bot.backup import BackupError

    pg_restore, psql = _tool("pg_restore", BackupError), _tool("psql", BackupError)
    schema, _ = _schema_and_revision(settings)
    listing = subprocess.run([pg_restore, "--list", str(file)], capture_output=True, text=True,
                             check=False)
    if listing.returncode != 0:
        raise BackupError(MSG_TOOL_FAILED.format(tool="pg_restore", error=_first(listing)))
    with tempfile.TemporaryDirectory(prefix="govdesk-restore-") as work:
        entries = Path(work) / "entries.list"  # everything but the schema, which exists
        entries.write_text("\n".join(line for line in listing.stdout.splitlines()
                                     if " SCHEMA - " not in line) + "\n", encoding="utf-8")
        script = Path(work) / "restore.sql"
        _run([pg_restore, "--no-owner", "--no-privileges", f"--use-list={entries}",
              f"--file={script}", str(file)], settings, BackupError)
        drops = "".join(f'DROP TABLE IF EXISTS "{schema}"."{table}" CASCADE;\n'
                        for table in sorted(_desk_tables()))
        script.write_text(drops + script.read_text(encoding="utf-8"), encoding="utf-8")
        _run([psql, "--no-psqlrc", "--quiet", "--single-transaction", "-v", "ON_ERROR_STOP=1",
              f"--file={script}", _libpq(settings)], settings, BackupError)


def _desk_tables() -> set[str]:
    """The tables the desk owns (nothing else in the schema is touched)."""
    from bot.models import Base
    from knowledge.models import Base as KnowledgeBase

    return set(Base.metadata.tables) | set(KnowledgeBase.metadata.tables) | {"alembic_version"}


def _schema_and_revision(settings: Settings) -> tuple[str, str | None]:
    engine = db.make_engine(settings.database_url)
    try:
        with engine.connect() as connection:
            schema = connection.execute(text("SELECT current_schema()")).scalar_one()
        return schema, db.current_revision(engine)
    finally:
        engine.dispose()


def _libpq(settings: Settings) -> str:
    """The database URL as libpq takes it, without the password (given in PGPASSWORD)."""
    url: URL = make_url(settings.database_url)
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)


def _run(command: list[str], settings: Settings, error: type[Exception]) -> None:
    environ = dict(os.environ)
    password = make_url(settings.database_url).password
    if password:
        environ["PGPASSWORD"] = str(password)
    result = subprocess.run(command, capture_output=True, text=True, env=environ, check=False)
    if result.returncode != 0:
        raise error(MSG_TOOL_FAILED.format(tool=Path(command[0]).name, error=_first(result)))


def _tool(name: str, error: type[Exception]) -> str:
    tool = find_tool(name)
    if tool is None:
        raise error(MSG_NO_TOOL.format(tool=name))
    return tool


def _first(result: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    return lines[0] if lines else f"exit {result.returncode}"
