"""/team for a lead of several teams, or an admin in none: every team in one message (issue 17)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.desk import Desk
from tests.e2e.test_routing import ask
from tests.support import sla_steps as steps
from tests.support.factories import STAFF_TOML, make_desk, make_settings
from tests.support.sandbox import running_bot

LEAD, ADMIN = 2001, 5001
TWO_TEAMS = STAFF_TOML.replace(
    'code = "desktop"\nname = "终端运维组"\nchat_id = -1002\nleads = []',
    'code = "desktop"\nname = "终端运维组"\nchat_id = -1002\nleads = [2001]',
).replace('name = "李工"\nunit = "信息中心"\nroles = ["technician"]\nteams = ["infra"]',
          'name = "李工"\nunit = "信息中心"\nroles = ["technician"]\nteams = ["infra", "desktop"]')


@pytest.fixture
def two_team_desk(tmp_path: Path, database_url: str) -> Iterator[Desk]:
    assert TWO_TEAMS.count("2001") == STAFF_TOML.count("2001") + 1
    desk = make_desk(make_settings(tmp_path, database_url, people=TWO_TEAMS))
    yield desk
    desk.close()


def number_of(desk: Desk, ticket_id: int) -> str:
    return steps.ticket(desk, ticket_id).number


async def test_a_lead_of_two_teams_sees_the_other_teams_overdue_p1(two_team_desk: Desk) -> None:
    desk = two_team_desk
    p1 = steps.submit(desk, impact="organization", urgency="outage", category="desktop")
    steps.advance(desk, 60)  # the P1's response time has passed
    p2 = steps.submit(desk)  # a fresh infra ticket
    async with running_bot(desk) as chat:
        board = await ask(chat, LEAD, "/team")
        text = board["text"]
        assert "基础设施运维组" in text and "终端运维组" in text
        assert number_of(desk, p1) in text and number_of(desk, p2) in text
        overdue_line = next(line for line in text.splitlines() if number_of(desk, p1) in line)
        assert "P1" in overdue_line
        assert "🔴已超时" in text.split(number_of(desk, p1))[1].split("\n", 2)[1]
        assert "其中已超时 1 张" in text
        one = await ask(chat, LEAD, "/team desktop")
        assert number_of(desk, p1) in one["text"] and number_of(desk, p2) not in one["text"]


async def test_an_admin_in_no_team_sees_every_team_in_one_message(two_team_desk: Desk) -> None:
    desk = two_team_desk
    ticket = steps.submit(desk)
    async with running_bot(desk) as chat:
        board = await ask(chat, ADMIN, "/team")
        assert number_of(desk, ticket) in board["text"]
        assert "3 个组" in board["text"]
        assert "没有未完成工单的组：终端运维组、应用运维组" in board["text"]


def test_a_large_overview_fits_one_message_and_keeps_every_overdue_ticket() -> None:
    from datetime import UTC, datetime, timedelta
    from zoneinfo import ZoneInfo

    from bot.queues import TicketBrief
    from handlers.renderers.common import MESSAGE_LIMIT
    from handlers.renderers.limits import visible_length
    from handlers.renderers.queues import overview_text

    start = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)

    def brief(team: int, n: int, overdue: bool) -> TicketBrief:
        return TicketBrief(team * 1000 + n, f"2611-{team:02d}{n:02d}", "P3", "assigned",
                           "网络系统", f"t{team}", "长描述" * 30, None, "陈工", "resolution",
                           start + timedelta(hours=n), overdue, overdue)

    sections = [(f"第{team}组", f"t{team}", [brief(team, n, team == 29 and n == 39)
                                            for n in range(40)]) for team in range(30)]
    text = overview_text(sections, ZoneInfo("Asia/Shanghai"))
    assert visible_length(text) <= MESSAGE_LIMIT
    assert "2611-2939" in text and "第0组" in text and "第29组" in text
    assert "另有 40 张未列出" in text or "另有 39 张未列出" in text
