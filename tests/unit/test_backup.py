"""Backups (issue 13 §8): a consistent online copy, and a restore on a stopped desk."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select

from bot import backup_pg, db, desk_lock
from bot.backup import MANIFEST, Manifest
from bot.cli import main
from bot.commands import EXIT_BUSY
from bot.desk import Desk
from bot.models import Ticket
from bot.settings import Settings
from tests.support.factories import make_desk, make_ticket

needs_pg_dump = pytest.mark.skipif(
    backup_pg.find_tool("pg_dump") is None or backup_pg.find_tool("psql") is None,
    reason="needs pg_dump, pg_restore and psql")


def _cli(settings: Settings, monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    monkeypatch.setenv("GOVDESK_DATA_DIR", str(settings.desk.data_dir))
    monkeypatch.setenv("GOVDESK_DATABASE_URL", settings.database_url)
    code = main(["--config", str(settings.desk.data_dir.parent / "govdesk.toml"), *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _numbers(desk: Desk) -> list[str]:
    with desk.sessions.begin() as session:
        return list(session.scalars(select(Ticket.number).order_by(Ticket.id)))


def _backend_tools_present(settings: Settings) -> None:
    if db.sqlite_file(settings.database_url) is None and (
            backup_pg.find_tool("pg_dump") is None or backup_pg.find_tool("psql") is None):
        pytest.skip("PostgreSQL backups need pg_dump, pg_restore and psql")


def test_backup_while_the_bot_writes_then_restore_gives_the_same_tickets(
        settings: Settings, tmp_path: Path, monkeypatch, capsys) -> None:
    _backend_tools_present(settings)
    desk = make_desk(settings, starter=True)
    for _ in range(3):
        make_ticket(desk)
    backed_up = _numbers(desk)
    sqlite = db.sqlite_file(settings.database_url)
    if sqlite is not None:  # the tickets sit in the WAL: the bot's connections are open
        assert Path(f"{sqlite}-wal").stat().st_size > 0
    code, out, _err = _cli(settings, monkeypatch, capsys, "backup", str(tmp_path / "b"))
    assert code == 0 and "工单 3 张" in out and "搜索索引未备份" in out
    manifest = Manifest.read(tmp_path / "b")
    assert manifest.tickets == 3 and manifest.revision == db.head_revision()
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == sorted([MANIFEST,
                                                                         manifest.file])
    make_ticket(desk)  # after the backup: the restore takes it away
    desk.close()

    code, _out, err = _cli(settings, monkeypatch, capsys, "restore", str(tmp_path / "b"))
    assert code == 1 and "已有数据（工单 4 张）" in err and "--force" in err
    code, out, _err = _cli(settings, monkeypatch, capsys, "restore", str(tmp_path / "b"),
                           "--force")
    assert code == 0 and "工单 3 张" in out
    assert not settings.index_dir.exists()  # rebuilt from the restored articles at start

    desk = make_desk(settings, starter=True)
    try:
        assert _numbers(desk) == backed_up
        make_ticket(desk)  # the counter came back too: no number is given twice
        numbers = _numbers(desk)
        assert len(set(numbers)) == 4 and numbers[:3] == backed_up
        assert desk.knowledge is not None and desk.knowledge.store.doc_count() > 0
    finally:
        desk.close()


def test_restore_refuses_while_the_bot_runs(settings: Settings, tmp_path: Path, monkeypatch,
                                            capsys) -> None:
    _backend_tools_present(settings)
    desk = make_desk(settings)
    make_ticket(desk)
    desk.close()
    assert _cli(settings, monkeypatch, capsys, "backup", str(tmp_path / "b"))[0] == 0
    with desk_lock.acquire(settings, "run"):
        code, _out, err = _cli(settings, monkeypatch, capsys, "restore", str(tmp_path / "b"),
                               "--force")
    assert code == EXIT_BUSY and "已被另一个 govdesk 占用" in err


def test_restore_into_a_lost_data_directory_needs_no_init(
        tmp_path: Path, monkeypatch, capsys) -> None:
    from tests.support.factories import make_settings

    settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'data' / 'govdesk.sqlite3'}")
    desk = make_desk(settings, starter=True)
    make_ticket(desk)
    numbers = _numbers(desk)
    desk.close()
    assert _cli(settings, monkeypatch, capsys, "backup", str(tmp_path / "b"))[0] == 0
    db.sqlite_file(settings.database_url).unlink()  # the database is lost, the index is not
    assert _cli(settings, monkeypatch, capsys, "db", "upgrade")[0] == 2
    assert _cli(settings, monkeypatch, capsys, "restore", str(tmp_path / "b"))[0] == 0
    desk = make_desk(settings)
    try:
        assert _numbers(desk) == numbers
    finally:
        desk.close()


def test_a_backup_never_overwrites(settings: Settings, tmp_path: Path, monkeypatch,
                                   capsys) -> None:
    _backend_tools_present(settings)
    make_desk(settings).close()
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "keep.txt").write_text("x")
    code, _out, err = _cli(settings, monkeypatch, capsys, "backup", str(tmp_path / "used"))
    assert code == 1 and "已存在且不是空目录" in err
    assert [p.name for p in (tmp_path / "used").iterdir()] == ["keep.txt"]


@pytest.mark.parametrize(("change", "message"), [
    ("nothing", "不是 govdesk 备份"),
    ("format", "备份格式 99"),
    ("backend", "备份来自 mysql 数据库"),
    ("revision", "更新版本的 govdesk"),
    ("checksum", "校验和不符"),
])
def test_restore_checks_the_manifest(settings: Settings, tmp_path: Path, monkeypatch, capsys,
                                     change: str, message: str) -> None:
    _backend_tools_present(settings)
    desk = make_desk(settings)
    make_ticket(desk)
    desk.close()
    backup = tmp_path / "b"
    assert _cli(settings, monkeypatch, capsys, "backup", str(backup))[0] == 0
    fields = json.loads((backup / MANIFEST).read_text(encoding="utf-8"))
    if change == "nothing":
        (backup / MANIFEST).unlink()
    elif change == "checksum":
        with open(backup / fields["file"], "ab") as data:
            data.write(b"\0")
    else:
        fields.update({"format": {"format": 99}, "backend": {"backend": "mysql"},
                       "revision": {"revision": "0099_future"}}[change])
        (backup / MANIFEST).write_text(json.dumps(fields), encoding="utf-8")
    code, _out, err = _cli(settings, monkeypatch, capsys, "restore", str(backup), "--force")
    assert code == 1 and message in err and len(err.strip().splitlines()) == 1
    desk = make_desk(settings)
    try:
        assert len(_numbers(desk)) == 1  # untouched
    finally:
        desk.close()


def test_without_pg_dump_a_postgres_backup_says_what_to_install(
        tmp_path: Path, monkeypatch, capsys) -> None:
    from tests.support.factories import make_settings

    monkeypatch.setattr(backup_pg, "find_tool", lambda name: None)
    settings = make_settings(tmp_path, "postgresql+psycopg://govdesk@127.0.0.1:1/govdesk")
    code, _out, err = _cli(settings, monkeypatch, capsys, "backup", str(tmp_path / "b"))
    assert code == 1 and "找不到 PostgreSQL 的 pg_dump" in err and "postgresql-client" in err
    assert not (tmp_path / "b").exists()


@pytest.mark.postgres
@needs_pg_dump
def test_a_postgres_restore_that_fails_changes_nothing(settings: Settings, tmp_path: Path,
                                                        monkeypatch, capsys) -> None:
    if db.sqlite_file(settings.database_url) is not None:
        pytest.skip("needs PostgreSQL")
    desk = make_desk(settings)
    make_ticket(desk)
    desk.close()
    assert _cli(settings, monkeypatch, capsys, "backup", str(tmp_path / "b"))[0] == 0
    desk = make_desk(settings)
    make_ticket(desk)
    desk.close()
    real = backup_pg._run

    def failing_psql(command: list[str], *args) -> None:
        if Path(command[0]).name == "psql":  # break the script: the last statement fails
            script = Path(command[-2].removeprefix("--file="))
            script.write_text(script.read_text(encoding="utf-8") + "SELECT 1/0;\n",
                              encoding="utf-8")
        real(command, *args)

    monkeypatch.setattr(backup_pg, "_run", failing_psql)
    code, _out, err = _cli(settings, monkeypatch, capsys, "restore", str(tmp_path / "b"),
                           "--force")
    assert code == 1 and "psql 失败" in err
    desk = make_desk(replace(settings))
    try:
        assert len(_numbers(desk)) == 2  # the drop was rolled back with the rest
    finally:
        desk.close()
