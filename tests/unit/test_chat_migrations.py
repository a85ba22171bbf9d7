"""A group's new chat id after an upgrade to a supergroup (bot.chat_migrations)."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

from sqlalchemy import select

from bot import chat_migrations, outbox
from bot.desk import Desk
from bot.models import Notification, Team
from tests.support.factories import make_desk, make_settings

INFRA_GROUP, DESKTOP_GROUP, SUPERGROUP = -1001, -1002, -1009


def _chat(desk: Desk, code: str) -> int | None:
    with desk.sessions.begin() as session:
        return session.scalar(select(Team.chat_id).where(Team.code == code))


def test_recording_moves_the_team_and_the_pending_messages_once(desk: Desk) -> None:
    with desk.sessions.begin() as session:
        outbox.enqueue(session, desk.clock.now(), INFRA_GROUP, "待发送的卡片")
        outbox.enqueue(session, desk.clock.now(), DESKTOP_GROUP, "别的组")
    with desk.sessions.begin() as session:
        assert chat_migrations.record(session, INFRA_GROUP, SUPERGROUP,
                                      desk.clock.now()) == ["infra"]
    with desk.sessions.begin() as session:  # heard twice (service message, then a send)
        assert chat_migrations.record(session, INFRA_GROUP, SUPERGROUP,
                                      desk.clock.now()) == []
        chats = list(session.scalars(select(Notification.chat_id).order_by(Notification.id)))
        assert chats == [SUPERGROUP, DESKTOP_GROUP]
        assert chat_migrations.current_id(session, INFRA_GROUP) == SUPERGROUP
        assert chat_migrations.current_id(session, DESKTOP_GROUP) == DESKTOP_GROUP
    assert (_chat(desk, "infra"), _chat(desk, "desktop")) == (SUPERGROUP, DESKTOP_GROUP)


def test_the_config_is_overridden_until_it_names_the_new_group(
        tmp_path: Path, database_url: str, desk: Desk, caplog) -> None:
    with desk.sessions.begin() as session:
        chat_migrations.record(session, INFRA_GROUP, SUPERGROUP, desk.clock.now())
        [stale] = chat_migrations.stale_groups(session, desk.settings)
    assert (stale.team_code, stale.configured_chat_id, stale.chat_id) == (
        "infra", INFRA_GROUP, SUPERGROUP)
    with caplog.at_level(logging.WARNING, logger="bot.directory_sync"):
        restarted = make_desk(make_settings(tmp_path, database_url))
    restarted.close()
    assert _chat(desk, "infra") == SUPERGROUP
    assert "put chat_id = -1009 in the config" in caplog.text
    updated = replace(desk.settings, teams=tuple(
        replace(team, chat_id=SUPERGROUP) if team.code == "infra" else team
        for team in desk.settings.teams))
    with desk.sessions.begin() as session:
        assert chat_migrations.stale_groups(session, updated) == []


def test_a_chain_of_migrations_is_followed(desk: Desk) -> None:
    with desk.sessions.begin() as session:
        chat_migrations.record(session, INFRA_GROUP, SUPERGROUP, desk.clock.now())
        chat_migrations.record(session, SUPERGROUP, SUPERGROUP - 1, desk.clock.now())
        assert chat_migrations.current_ids(session) == {INFRA_GROUP: SUPERGROUP - 1,
                                                         SUPERGROUP: SUPERGROUP - 1}
