"""Routing with the duty roster, people leaving teams, and the `govdesk duty|people` CLI."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.cli import main
from bot.clock import AdjustableClock
from bot.desk import open_desk
from bot.lifecycle import Origin
from bot.models import Notification, Ticket, TicketEvent
from bot.people import find_by_telegram_id, view_of
from bot.routing import new_ticket_recipients, teams_without_group
from bot.tickets import Report, submit
from bot.work import claim
from handlers.notify import announce_departure
from tests.e2e.test_routing import ROUTING_TOML
from tests.support.factories import DESK_START, make_desk, make_settings


@pytest.fixture
def routed(tmp_path: Path, database_url: str):
    desk = make_desk(make_settings(tmp_path, database_url, people=ROUTING_TOML))
    yield desk
    desk.close()


def _ticket(desk, category: str, key: str, claimer: int | None = None) -> int:
    with desk.sessions.begin() as session:
        reporter = view_of(find_by_telegram_id(session, 1001))
        ticket, _ = submit(session, desk.sla, desk.timezone, reporter,
                           Report(category, "描述", "department", "outage"), key,
                           Origin(reporter.id), DESK_START)
        if claimer is not None:
            person = view_of(find_by_telegram_id(session, claimer))
            claim(session, ticket.id, person, Origin(person.id), DESK_START)
        return ticket.id


def test_recipients_follow_the_roster(routed) -> None:
    infra, app = _ticket(routed, "network", "a"), _ticket(routed, "app", "b")
    with routed.sessions.begin() as session:
        to_infra = new_ticket_recipients(session, session.get(Ticket, infra), routed.roster,
                                         DESK_START)
        to_app = new_ticket_recipients(session, session.get(Ticket, app), routed.roster,
                                       DESK_START)
    assert (to_infra.group_chat_id, to_infra.private_chat_ids) == (-1001, (2002,))
    assert (to_app.group_chat_id, to_app.private_chat_ids) == (None, (2005, 2004))
    assert teams_without_group(routed.settings) == ["app"]


def test_no_group_no_roster_no_lead_reaches_every_member(tmp_path: Path,
                                                         database_url: str) -> None:
    people = ROUTING_TOML.replace("leads = [2004]", "leads = []").replace(
        "\n[teams.duty]\nrotation = [2005]\n", "\n")
    desk = make_desk(make_settings(tmp_path, database_url, people=people))
    try:
        app = _ticket(desk, "app", "c")
        with desk.sessions.begin() as session:
            to_app = new_ticket_recipients(session, session.get(Ticket, app), desk.roster,
                                           DESK_START)
        assert to_app.private_chat_ids == (2004, 2005)
    finally:
        desk.close()


def test_leaving_the_team_in_the_config_returns_tickets(tmp_path: Path,
                                                        database_url: str) -> None:
    desk = make_desk(make_settings(tmp_path, database_url, people=ROUTING_TOML))
    held = _ticket(desk, "network", "d", claimer=2002)
    kept = _ticket(desk, "network", "e", claimer=2001)
    desk.close()
    moved = ROUTING_TOML.replace('name = "陈工"\nunit = "信息中心"\nroles = ["technician"]\n'
                                 'teams = ["infra"]', 'name = "陈工"\nunit = "信息中心"\n'
                                 'roles = ["technician"]\nteams = ["desktop"]').replace(
        "rotation = [2002, 2001]", "rotation = [2001]")
    settings = make_settings(tmp_path, database_url, people=moved)
    desk = open_desk(settings, AdjustableClock(DESK_START, frozen=True),
                     announce=announce_departure, with_knowledge=False)
    try:
        with desk.sessions.begin() as session:
            assert session.get(Ticket, held).assignee_id is None
            assert session.get(Ticket, held).status == "new"
            assert session.get(Ticket, kept).assignee.telegram_id == 2001
            event = session.scalars(select(TicketEvent).where(
                TicketEvent.ticket_id == held).order_by(TicketEvent.id.desc())).first()
            assert event.kind == "return_to_queue" and "陈工" in event.note
            notices = session.scalars(select(Notification.chat_id).where(
                Notification.kind.in_(("departure", "card")))).all()
        assert 2001 in notices and -1001 in notices
    finally:
        desk.close()


# The CLI's "now" for these tests: Tuesday 2026-12-01 12:00 in Shanghai, whatever today is.
CLI_NOW = AdjustableClock(datetime(2026, 12, 1, 4, 0, tzinfo=UTC), frozen=True)


def _cli(tmp_path: Path, database_url: str, monkeypatch, capsys, *args: str) -> tuple[int, str]:
    monkeypatch.setenv("GOVDESK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("GOVDESK_DATABASE_URL", database_url)
    code = main(["--config", str(tmp_path / "govdesk.toml"), *args], clock=CLI_NOW)
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_duty_and_leave_from_the_command_line(tmp_path: Path, database_url: str, monkeypatch,
                                              capsys) -> None:
    make_desk(make_settings(tmp_path, database_url, people=ROUTING_TOML)).close()
    code, out = _cli(tmp_path, database_url, monkeypatch, capsys,
                     "duty", "show", "--at", "2026-12-01 22:00")
    assert code == 0 and "现在：陈工" in out and "下一班：李工（2026-12-02 09:00 起" in out
    code, out = _cli(tmp_path, database_url, monkeypatch, capsys, "duty", "set", "infra", "李工",
                     "--from", "2026-12-01 20:00", "--to", "2026-12-02 08:00", "--reason", "替班")
    assert code == 0 and "临时顶班 #1" in out
    code, out = _cli(tmp_path, database_url, monkeypatch, capsys,
                     "duty", "show", "--at", "2026-12-01 22:00")
    assert "现在：李工（临时顶班" in out and "临时顶班 #1：李工" in out
    code, out = _cli(tmp_path, database_url, monkeypatch, capsys, "duty", "set", "infra",
                     "刘工", "--from", "2026-12-01 20:00", "--to", "2026-12-02 08:00")
    assert code == 1 and "没有 “刘工”" in out
    code, out = _cli(tmp_path, database_url, monkeypatch, capsys,
                     "duty", "show", "--at", "明年")
    assert code == 1 and "看不懂时间" in out
    code, out = _cli(tmp_path, database_url, monkeypatch, capsys, "duty", "cancel", "1")
    assert code == 0 and "已取消" in out
    code, out = _cli(tmp_path, database_url, monkeypatch, capsys, "people", "leave", "2005",
                     "infra")
    assert code == 1 and "不是支持组 infra 的成员" in out
    code, out = _cli(tmp_path, database_url, monkeypatch, capsys, "people", "leave", "2005",
                     "app")
    assert code == 0 and "钱工 已离开应用运维组" in out
