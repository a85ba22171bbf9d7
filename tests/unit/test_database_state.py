"""doctor and migrations tell the truth (issue 13 §3): fresh, newer and lost databases."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from bot import db
from bot.desk import open_desk
from bot.doctor import check_database
from bot.settings import Settings
from tests.support.cli import run_cli as _cli
from tests.support.databases import wipe_database
from tests.support.factories import make_desk

FUTURE = "0099_from_the_future"



def _revision(settings: Settings) -> str | None:
    engine = db.make_engine(settings.database_url)
    try:
        return db.current_revision(engine)
    finally:
        engine.dispose()


def _set_revision(settings: Settings, revision: str) -> None:
    engine = db.make_engine(settings.database_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
    engine.dispose()


def test_doctor_on_a_fresh_install_warns_and_creates_nothing(settings: Settings) -> None:
    (check,) = check_database(settings)
    assert check.ok and check.warning, check.line()
    assert check.line().startswith("⚠") and "govdesk run 首次启动时会自动建表" in check.line()
    sqlite = db.sqlite_file(settings.database_url)
    assert sqlite is None or not sqlite.exists()  # doctor did not create the file
    assert _revision(settings) is None


def test_doctor_warns_about_pending_migrations_that_run_applies(settings: Settings) -> None:
    make_desk(settings).close()
    _set_revision(settings, "0004_duty")
    (check,) = check_database(settings)
    assert check.ok and check.warning and "当前 0004_duty" in check.line()


def test_a_database_from_a_newer_govdesk_is_refused_in_one_line(
        settings: Settings, monkeypatch, capsys) -> None:
    make_desk(settings).close()
    _set_revision(settings, FUTURE)
    for command in (["run"], ["db", "upgrade"]):
        code, out, err = _cli(settings, monkeypatch, capsys, *command)
        assert code == 2, (command, out, err)
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in out + err
        assert "更新版本的 govdesk" in err and FUTURE in err and "govdesk restore" in err
    code, _out, err = _cli(settings, monkeypatch, capsys, "people", "list")
    assert code == 1 and "更新版本的 govdesk" in err
    (check,) = check_database(settings)
    assert not check.ok and FUTURE in check.line() and "升级 govdesk" in check.advice
    assert _revision(settings) == FUTURE  # nothing was migrated


def _lost(settings: Settings) -> None:
    """A desk that ran (its search index is on disk), then its database disappeared."""
    make_desk(settings).close()  # builds the search index in the data directory
    assert any(settings.index_dir.iterdir())
    wipe_database(settings.database_url)


def test_a_missing_database_beside_an_index_is_not_silently_recreated(
        settings: Settings, monkeypatch, capsys) -> None:
    _lost(settings)
    for command in (["run"], ["db", "upgrade"]):
        code, _out, err = _cli(settings, monkeypatch, capsys, *command)
        assert code == 2 and len(err.strip().splitlines()) == 1, err
        assert "工单编号从头开始" in err and "govdesk restore" in err and "--init" in err
    code, _out, err = _cli(settings, monkeypatch, capsys, "people", "add", "9001", "新人")
    assert code == 1 and "--init" in err
    sqlite = db.sqlite_file(settings.database_url)
    assert sqlite is None or not sqlite.exists()
    assert _revision(settings) is None
    (check,) = check_database(settings)
    assert not check.ok and "--init" in check.advice


def test_init_starts_again_from_an_empty_database(settings: Settings, monkeypatch,
                                                  capsys) -> None:
    _lost(settings)
    code, out, _err = _cli(settings, monkeypatch, capsys, "db", "upgrade", "--init")
    assert code == 0 and "升级到" in out
    make_desk(settings).close()  # from now on an ordinary database


def test_open_desk_with_init_accepts_a_lost_database(settings: Settings) -> None:
    from bot.db_state import DatabaseRefused

    _lost(settings)
    with pytest.raises(DatabaseRefused):
        open_desk(settings)
    open_desk(settings, init=True, starter=False).close()
    assert _revision(settings) == db.head_revision()
