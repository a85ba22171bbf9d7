"""What state the desk's database is in before anything touches it, and when to refuse.

Two situations stop `govdesk run`, `govdesk db upgrade` and every command that opens the desk,
each with one line saying what to do:

- a database a newer govdesk migrated (a revision this code does not have): migrating or
  using it could lose data;
- an empty database (no SQLite file, or no tables) beside the traces of an earlier install
  (a search index in the data directory): creating a new one would restart the ticket
  numbers, so it happens only when asked (`--init`) — or the backup is restored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from bot import db
from bot.migrations import HEAD
from bot.settings import Settings

MSG_NEWER = ("✗ 数据库由更新版本的 govdesk 创建（数据库版本 {revision}，本程序最高 {head}），"
             "不能使用：请升级 govdesk 到与之相同或更新的版本，"
             "或用 govdesk restore 恢复本版本做的备份。")
MSG_NEWER_SHORT = "数据库由更新版本的 govdesk 创建（数据库版本 {revision}，本程序最高 {head}）"
ADVICE_NEWER = "升级 govdesk 到与之相同或更新的版本；或用 govdesk restore 恢复本版本做的备份"
MSG_LOST = ("✗ 数据库 {database} 不存在或为空，但数据目录中有以前安装留下的 {traces}："
            "新建数据库会让工单编号从头开始。请用 govdesk restore 恢复备份；"
            "确认要从空数据库重新开始，请加 --init（如 govdesk run --init）。")
MSG_LOST_SHORT = "数据库不存在或为空，但数据目录中有以前安装留下的 {traces}"
ADVICE_LOST = ("用 govdesk restore 恢复备份；确认要从空数据库重新开始，"
               "运行 govdesk run --init（或 govdesk db upgrade --init）")
TRACE_INDEX = "搜索索引（{path}）"


class DatabaseRefused(Exception):
    """The database must not be opened as it is; `line` says why and what to do."""

    @property
    def line(self) -> str:
        return str(self)


@dataclass(frozen=True)
class DatabaseState:
    """The database as found: its migration, and traces of an earlier install."""

    exists: bool
    revision: str | None
    head: str
    known: bool = True
    traces: tuple[str, ...] = field(default=())

    @property
    def lost(self) -> bool:
        """Empty, although the data directory says a desk has run here before."""
        return self.revision is None and bool(self.traces)


def traces_of_install(settings: Settings) -> tuple[str, ...]:
    """What in the data directory shows that a desk ran here: a non-empty search index."""
    index: Path = settings.index_dir
    if index.is_dir() and any(index.iterdir()):
        return (TRACE_INDEX.format(path=index.resolve()),)
    return ()


def inspect(settings: Settings, engine: Engine | None = None) -> DatabaseState:
    """Read the database's state without creating or changing anything."""
    head = HEAD
    if not db.database_exists(settings.database_url):
        return DatabaseState(False, None, head, traces=traces_of_install(settings))
    own = engine is None
    engine = engine or db.make_engine(settings.database_url)
    try:
        revision = db.current_revision(engine)
    finally:
        if own:
            engine.dispose()
    if revision is None:
        return DatabaseState(True, None, head, traces=traces_of_install(settings))
    return DatabaseState(True, revision, head, known=db.is_known_revision(revision))


def refuse_unsafe(state: DatabaseState, database: str, *, init: bool = False) -> None:
    """Raise DatabaseRefused for a newer database, or a lost one unless `init`."""
    if not state.known and state.revision is not None:
        raise DatabaseRefused(MSG_NEWER.format(revision=state.revision, head=state.head))
    if state.lost and not init:
        raise DatabaseRefused(MSG_LOST.format(database=database, traces="、".join(state.traces)))


def check_before_migrating(settings: Settings, engine: Engine, *, init: bool = False) -> None:
    """Refuse (DatabaseRefused) a newer or a lost database before any migration runs."""
    refuse_unsafe(inspect(settings, engine), db.display_url(settings.database_url), init=init)


def newer_line(error: db.UnknownRevision) -> str:
    """The one line for a database found newer while migrating."""
    return MSG_NEWER.format(revision=error.revision, head=error.head)
