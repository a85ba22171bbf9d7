"""Build settings and desks for tests from small TOML snippets."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.clock import AdjustableClock
from bot.config import load_settings
from bot.desk import Desk, open_desk
from bot.settings import Settings

# Monday 2026-11-23 10:00 in Beijing: inside working hours.
DESK_START = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)

STAFF_TOML = """
[[teams]]
code = "infra"
name = "基础设施运维组"
chat_id = -1001
leads = [2001]

[[teams]]
code = "desktop"
name = "终端运维组"
chat_id = -1002
leads = []

[[teams]]
code = "app"
name = "应用运维组"
leads = []

[[people]]
telegram_id = 1001
name = "王芳"
unit = "市财政局 办公室"
roles = ["reporter"]

[[people]]
telegram_id = 1002
name = "赵强"
unit = "市人社局 信息科"
roles = ["reporter"]

[[people]]
telegram_id = 2001
name = "李工"
unit = "信息中心"
roles = ["technician"]
teams = ["infra"]

[[people]]
telegram_id = 2002
name = "陈工"
unit = "信息中心"
roles = ["technician"]
teams = ["infra"]

[[people]]
telegram_id = 2003
name = "刘工"
unit = "信息中心"
roles = ["technician"]
teams = ["desktop"]

[[people]]
telegram_id = 3001
name = "周主任"
unit = "信息中心"
roles = ["supervisor"]

[[people]]
telegram_id = 4001
name = "吴老师"
unit = "信息中心"
roles = ["knowledge_manager"]

[[people]]
telegram_id = 5001
name = "管理员"
unit = "信息中心"
roles = ["admin"]
"""


def make_settings(tmp_path: Path, database_url: str, extra_toml: str = "",
                  people: str = STAFF_TOML) -> Settings:
    """Settings from a config file written into tmp_path, with the staff above."""
    path = tmp_path / "govdesk.toml"
    path.write_text(f'[desk]\nname = "测试服务台"\n{extra_toml}\n{people}', encoding="utf-8")
    environ = {"GOVDESK_DATA_DIR": str(tmp_path / "data"), "GOVDESK_DATABASE_URL": database_url}
    return load_settings(path, environ=environ)


def make_desk(settings: Settings, start: datetime = DESK_START, starter: bool = False) -> Desk:
    """A migrated desk on a frozen clock; its knowledge base starts empty unless `starter`."""
    return open_desk(settings, AdjustableClock(start, frozen=True), starter=starter)


def person(desk: Desk, telegram_id: int):
    """A registered person's view, by Telegram id."""
    from bot.people import find_by_telegram_id, view_of

    with desk.sessions.begin() as session:
        return view_of(find_by_telegram_id(session, telegram_id))


def make_ticket(desk: Desk, *, reporter: int = 1001, category: str = "network",
                impact: str = "department", urgency: str = "work_affected",
                description: str = "三楼无法上网", key: str | None = None) -> int:
    """Submit a ticket as `reporter` and return its id."""
    import uuid

    from bot import tickets
    from bot.lifecycle import Origin

    view = person(desk, reporter)
    report = tickets.Report(category, description, impact, urgency)
    with desk.sessions.begin() as session:
        ticket, _ = tickets.submit(session, desk.sla, desk.timezone, view, report,
                                   key or uuid.uuid4().hex, Origin(view.id, reporter, "test"),
                                   desk.clock.now())
        return ticket.id
