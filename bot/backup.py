"""`govdesk backup PATH` and `govdesk restore PATH`: a consistent copy of the desk and back.

A backup is a directory:

- `manifest.json`: the format, the govdesk version, the database's migration, when, from where,
  the data file with its SHA-256 and how many tickets it holds;
- `govdesk.sqlite3` — SQLite: a copy made with SQLite's online backup API, one consistent
  snapshot even while the bot writes (what sits in the WAL is included);
- or `govdesk.dump` — PostgreSQL: `pg_dump --format=custom` of the desk's schema
  (bot.backup_pg).

The search index is not copied: it is a cache of the database (docs/DECISIONS.md), and the
restore removes the old one so the next start rebuilds it from the restored articles.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import socket
import sqlite3
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bot import backup_pg, db
from bot.clock import Clock
from bot.migrations import HEAD
from bot.models import Ticket
from bot.settings import Settings

logger = logging.getLogger(__name__)

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_FILE = "govdesk.sqlite3"
INDEX_NOTE = ("未包含搜索索引：它由数据库重建"
              "（恢复后首次启动时自动重建，或运行 govdesk kb reindex）")

MSG_TARGET_USED = "✗ 备份目录 {path} 已存在且不是空目录：请换一个新目录（备份不会覆盖已有文件）。"
MSG_NO_DATABASE = "✗ 数据库 {database} 不存在，没有可备份的内容。"
MSG_NO_MANIFEST = "✗ {path} 不是 govdesk 备份（缺少或无法读取 manifest.json）。"
MSG_FORMAT = ("✗ 备份格式 {found} 不被本版本支持（本版本为 {expected}）："
              "请用做备份的 govdesk 版本恢复。")
MSG_BACKEND = "✗ 备份来自 {found} 数据库，而当前配置的是 {expected}：请改用相应的数据库配置恢复。"
MSG_CHECKSUM = "✗ 备份文件 {file} 缺失或已损坏（校验和不符），不能恢复。"
MSG_NEWER = ("✗ 备份由更新版本的 govdesk 创建（数据库版本 {revision}，本程序最高 {head}）："
             "请先升级 govdesk 再恢复。")
MSG_NOT_EMPTY = ("✗ 目标数据库 {database} 已有数据（工单 {tickets} 张）：恢复会覆盖它。"
                 "确认覆盖请加 --force（建议先用 govdesk backup 另做一份备份）。")


class BackupError(Exception):
    """A backup or restore that cannot be done; `line` says why and what to do."""

    @property
    def line(self) -> str:
        return str(self)


@dataclass(frozen=True)
class Manifest:
    """What manifest.json records about a backup."""

    format: int
    govdesk_version: str
    revision: str | None
    created_at: str
    backend: str
    source: str
    data_dir: str
    host: str
    file: str
    sha256: str
    tickets: int
    index: str = INDEX_NOTE

    @classmethod
    def read(cls, directory: Path) -> Manifest:
        try:
            fields = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
            return cls(**fields)
        except (OSError, ValueError, TypeError) as error:
            raise BackupError(MSG_NO_MANIFEST.format(path=directory)) from error


def backend_of(settings: Settings) -> str:
    return make_url(settings.database_url).get_backend_name()


def make_backup(settings: Settings, target: Path, clock: Clock) -> Manifest:
    """Copy the desk's database into the new directory `target`; return its manifest."""
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise BackupError(MSG_TARGET_USED.format(path=target))
    created = not target.exists()
    target.mkdir(parents=True, exist_ok=True)
    try:
        if backend_of(settings) == "sqlite":
            file, revision, tickets = _copy_sqlite(settings, target / SQLITE_FILE)
        else:
            file, revision, tickets = backup_pg.dump(settings, target)
        manifest = Manifest(
            FORMAT, _version(), revision, clock.now().isoformat(timespec="seconds"),
            backend_of(settings), db.display_url(settings.database_url),
            str(settings.desk.data_dir.resolve()), socket.gethostname(), file.name,
            _sha256(file), tickets)
        (target / MANIFEST).write_text(json.dumps(asdict(manifest), ensure_ascii=False, indent=2),
                                       encoding="utf-8")
    except BaseException:
        shutil.rmtree(target) if created else _empty(target)
        raise
    return manifest


def restore_backup(settings: Settings, source: Path, *, force: bool = False) -> Manifest:
    """Put the backup in `source` back into the configured database (the caller holds the
    desk's lock); refuse to overwrite a database with data unless `force`."""
    manifest = check_backup(settings, source)
    _refuse_overwrite(settings, force)
    if backend_of(settings) == "sqlite":
        _restore_sqlite(source / manifest.file, _sqlite_path(settings))
    else:
        backup_pg.restore(settings, source / manifest.file)
    if settings.index_dir.exists():  # the restored articles are indexed at the next start
        shutil.rmtree(settings.index_dir)
    return manifest


def check_backup(settings: Settings, source: Path) -> Manifest:
    """The backup's manifest, after checking it can be restored here by this govdesk."""
    manifest = Manifest.read(source)
    if manifest.format != FORMAT:
        raise BackupError(MSG_FORMAT.format(found=manifest.format, expected=FORMAT))
    if manifest.backend != backend_of(settings):
        raise BackupError(MSG_BACKEND.format(found=manifest.backend,
                                             expected=backend_of(settings)))
    if manifest.revision is not None and not db.is_known_revision(manifest.revision):
        raise BackupError(MSG_NEWER.format(revision=manifest.revision, head=HEAD))
    file = source / manifest.file
    if Path(manifest.file).name != manifest.file or not file.is_file() \
            or _sha256(file) != manifest.sha256:
        raise BackupError(MSG_CHECKSUM.format(file=file))
    return manifest


def count_tickets(settings: Settings) -> int | None:
    """How many tickets the configured database holds (None: no database or no tables)."""
    if not db.database_exists(settings.database_url):
        return None
    engine = db.make_engine(settings.database_url)
    try:
        if db.current_revision(engine) is None:
            return None
        with engine.connect() as connection:
            return connection.execute(select(func.count()).select_from(Ticket)).scalar_one()
    finally:
        engine.dispose()


def _refuse_overwrite(settings: Settings, force: bool) -> None:
    tickets = count_tickets(settings)
    if tickets is not None and not force:
        raise BackupError(MSG_NOT_EMPTY.format(database=db.display_url(settings.database_url),
                                               tickets=tickets))


def _sqlite_path(settings: Settings) -> Path:
    path = db.sqlite_file(settings.database_url)
    assert path is not None, "an in-memory database has nothing to back up"
    return path


def _copy_sqlite(settings: Settings, copy: Path) -> tuple[Path, str | None, int]:
    """SQLite's online backup into `copy`: one snapshot, WAL content included."""
    path = _sqlite_path(settings)
    if not path.exists():
        raise BackupError(MSG_NO_DATABASE.format(database=path))
    source = sqlite3.connect(path, timeout=30)
    target = sqlite3.connect(copy)
    try:
        source.backup(target)
        target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        return copy, *_revision_and_tickets(target)
    finally:
        target.close()
        source.close()


def _revision_and_tickets(connection: sqlite3.Connection) -> tuple[str | None, int]:
    tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    revision = None
    if "alembic_version" in tables:
        revision = connection.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    tickets = connection.execute("SELECT count(*) FROM tickets").fetchone()[0] \
        if "tickets" in tables else 0
    return revision, tickets


def _restore_sqlite(copy: Path, path: Path) -> None:
    """Write the copy over the database through SQLite (its WAL and locks handled by it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"{copy.resolve().as_uri()}?mode=ro", uri=True)
    target = sqlite3.connect(path, timeout=30)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()


def _sha256(file: Path) -> str:
    digest = hashlib.sha256()
    with open(file, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _empty(directory: Path) -> None:
    for entry in directory.iterdir():
        shutil.rmtree(entry) if entry.is_dir() else entry.unlink()


def _version() -> str:
    try:
        return metadata.version("govdesk")
    except metadata.PackageNotFoundError:
        return "unknown"
