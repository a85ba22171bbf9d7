"""The database: migrations, the directory synced from the config, people."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from bot import db
from bot.desk import Desk
from bot.models import Category, Person, Team
from bot.people import DirectoryError, add_person, clean_name, find_by_telegram_id, view_of
from tests.support.factories import STAFF_TOML, make_desk, make_settings


def test_migrations_reach_head(desk: Desk) -> None:
    assert db.current_revision(desk.engine) == db.head_revision() == db.HEAD


def test_config_directory_is_synced(desk: Desk) -> None:
    with desk.sessions.begin() as session:
        teams = {t.code: t for t in session.scalars(select(Team))}
        assert teams["infra"].chat_id == -1001
        network = session.scalar(select(Category).where(Category.code == "network"))
        assert network.team.code == "infra"
        lead = view_of(find_by_telegram_id(session, 2001))
        assert lead.has_role("technician", "lead")
        assert lead.lead_of == ("infra",)
        assert view_of(find_by_telegram_id(session, 2002)).lead_of == ()


def test_resync_keeps_registered_people_and_deactivates_removed_ones(
    tmp_path: Path, database_url: str, desk: Desk
) -> None:
    with desk.sessions.begin() as session:
        add_person(session, desk.clock, telegram_id=9001, name="新人", unit="某局")
    fewer = STAFF_TOML.replace('telegram_id = 1002', 'telegram_id = 1003')
    again = make_desk(make_settings(tmp_path, database_url, people=fewer))
    with again.sessions.begin() as session:
        assert find_by_telegram_id(session, 9001).name == "新人"
        assert find_by_telegram_id(session, 1002) is None  # removed from config: inactive
        assert session.scalar(select(Person).where(Person.telegram_id == 1002)).active is False
        assert find_by_telegram_id(session, 1003) is not None
    again.close()


def test_add_person_refuses_duplicates_and_unknown_roles(desk: Desk) -> None:
    with desk.sessions.begin() as session:
        with pytest.raises(DirectoryError, match="已登记"):
            add_person(session, desk.clock, telegram_id=1001, name="重复", unit="")
        with pytest.raises(DirectoryError, match="未知角色"):
            add_person(session, desk.clock, telegram_id=7, name="甲", unit="", roles=("boss",))
        with pytest.raises(DirectoryError, match="未知的支持组"):
            add_person(session, desk.clock, telegram_id=8, name="乙", unit="", teams=("zzz",))


@pytest.mark.parametrize("text", ["", "   ", "/start", "名" * 33])
def test_bad_names_are_refused(text: str) -> None:
    with pytest.raises(DirectoryError):
        clean_name(text)


def test_upgrade_is_idempotent(desk: Desk) -> None:
    before, after = db.upgrade(desk.engine)
    assert before == after == db.head_revision()


def test_first_start_imports_the_starter_knowledge_base(settings) -> None:
    first = make_desk(settings, starter=True)
    with first.sessions.begin() as session:
        count = first.knowledge.stats(session)
        hits = first.knowledge.search(session, "什么是电子政务运维费", limit=3, log=False)
    first.close()
    assert hits, "the starter knowledge base answers a question from the seeds"
    again = make_desk(settings, starter=True)
    with again.sessions.begin() as session:
        assert again.knowledge.stats(session) == count  # imported once, not again
    again.close()


def test_an_upgrade_keeps_the_data_of_an_older_database(tmp_path: Path) -> None:
    from alembic import command
    from sqlalchemy import text

    engine = db.make_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    command.upgrade(db._alembic_config(engine), "0001_core")
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO people (telegram_id, name, unit, active, source, created_at) "
            "VALUES (42, '老用户', '某局', 1, 'registration', '2026-01-05 01:00:00')"))
    before, after = db.upgrade(engine)
    assert (before, after) == ("0001_core", db.HEAD)
    with engine.connect() as connection:
        row = connection.execute(text("SELECT name, unit FROM people WHERE telegram_id = 42"))
        assert row.one() == ("老用户", "某局")
    engine.dispose()


def test_a_session_knows_whether_its_transaction_committed(desk: Desk) -> None:
    session = desk.sessions()
    with session:
        with session.begin():
            session.scalar(select(Team.id))
        assert db.committed(session)
        with pytest.raises(RuntimeError), session.begin():  # the next one starts afresh
            assert not db.committed(session)
            raise RuntimeError("rolled back")
        assert not db.committed(session)
