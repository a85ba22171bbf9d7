"""`govdesk doctor`: check what a site needs, one ✓/✗ line each with what to do."""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot import chat_migrations, db, db_state, desk_lock
from bot.calendar import Coverage, WorkingCalendar
from bot.calendar_config import policy_from_settings
from bot.clock import Clock, SystemClock
from bot.routing import teams_without_group
from bot.settings import Settings

GROUP_MIGRATED = "支持组 {team} 的群已升级为超级群，新 ID {new}，请更新配置"
GROUP_MIGRATED_ADVICE = ('把 [[teams]] code = "{code}" 的 chat_id 由 {old} 改为 {new}'
                         "（在此之前机器人已自动使用新 ID）")


@dataclass(frozen=True)
class Check:
    """One line of the report: passed, failed, or a warning that does not fail the run."""

    ok: bool
    text: str
    advice: str = ""
    warning: bool = False

    def line(self) -> str:
        mark = "⚠" if self.warning else ("✓" if self.ok else "✗")
        return f"{mark} {self.text}" + (f"\n    → {self.advice}" if self.advice else "")


def check_config(settings: Settings) -> list[Check]:
    return [Check(True, f"配置有效（{settings.source}）")]


def check_database(settings: Settings) -> list[Check]:
    try:
        state = db_state.inspect(settings)
    except (SQLAlchemyError, OSError) as error:
        return [Check(False, f"数据库无法连接：{str(error).splitlines()[0]}",
                      "检查 [database] url / GOVDESK_DATABASE_URL 以及数据库服务是否启动")]
    return [_database_line(state)]


def _database_line(state: db_state.DatabaseState) -> Check:
    if state.lost:
        return Check(False, db_state.MSG_LOST_SHORT.format(traces="、".join(state.traces)),
                     db_state.ADVICE_LOST)
    if state.revision is None:  # a fresh install: `govdesk run` creates it
        what = "尚未创建" if not state.exists else "还是空的"
        return Check(True, f"数据库{what}：govdesk run 首次启动时会自动建表（{state.head}）",
                     "无需操作；也可先运行 govdesk db upgrade", warning=True)
    if not state.known:
        return Check(False, db_state.MSG_NEWER_SHORT.format(revision=state.revision,
                                                            head=state.head),
                     db_state.ADVICE_NEWER)
    if state.revision != state.head:
        return Check(True, f"数据库未迁移到最新版本（当前 {state.revision}，最新 {state.head}）",
                     "govdesk run 启动时会自动迁移；也可先运行 govdesk db upgrade", warning=True)
    return Check(True, f"数据库可连接，已是最新版本（{state.head}）")


def check_data_dir(settings: Settings) -> list[Check]:
    directory = settings.desk.data_dir
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=directory):
            pass
    except OSError as error:
        return [Check(False, f"数据目录 {directory} 不可写：{error}",
                      "修改 [desk] data_dir / GOVDESK_DATA_DIR，或调整目录权限")]
    checks = [Check(True, f"数据目录可写（{directory.resolve()}）")]
    running = desk_lock.holder(settings)
    if running is not None:
        checks.append(Check(True, f"机器人正在运行（{running}）"))
    return checks


CALENDAR_SOURCES = {"notice": "国务院放假通知（chinesecalendar）", "config": "配置文件 [calendar]"}


def check_calendar(settings: Settings, clock: Clock | None = None) -> list[Check]:
    """This year's and next year's holiday source: notice / config / statutory estimate."""
    calendar = WorkingCalendar(policy_from_settings(settings.calendar, settings.desk.timezone))
    year = (clock or SystemClock()).now().year
    return [_calendar_line(coverage, this_year=coverage.year == year)
            for coverage in calendar.covered_years((year, year + 1))]


def _calendar_line(coverage: Coverage, this_year: bool) -> Check:
    year = coverage.year
    if coverage.known:
        return Check(True, f"{year} 年节假日日历已知（来源：{CALENDAR_SOURCES[coverage.source]}）")
    declare = (f"在配置 [calendar] 中填写国务院公布的 {year} 年放假日期（holidays）和调休上班日"
               f"（workdays），并把 {year} 加入 declared_years")
    if coverage.source == "statutory_estimate":
        return Check(True, f"{year} 年放假通知尚未收录（来源：法定节假日估算）：只计入法定节假日"
                           f"（元旦、春节、清明、劳动节、端午、中秋、国庆），调休上班日未知，"
                           f"调休前后的 SLA 时限可能不准",
                     f"通知发布后，{declare}；govdesk calendar show {year}-01 可逐日核对",
                     warning=True)
    return Check(not this_year, f"{year} 年节假日未知：将只按周末计算工作日，SLA 可能不准",
                 declare, warning=not this_year)


def check_teams(settings: Settings) -> list[Check]:
    without = set(teams_without_group(settings))
    missing = [team.name for team in settings.teams if team.code in without]
    if not missing:
        return [Check(True, "每个支持组都配置了 Telegram 群组")]
    return [Check(True, f"支持组未配置群组：{'、'.join(missing)}（工单将私信值班人员和组长）",
                  "在 [[teams]] 中填写 chat_id（群组 ID，负数）", warning=True)]


def check_group_migrations(settings: Settings) -> list[Check]:
    """Teams whose group became a supergroup since the config was written (bot.chat_migrations)."""
    try:
        engine = db.make_engine(settings.database_url)
        try:
            if db.current_revision(engine) != db.head_revision():
                return []  # check_database says what to do first
            with Session(engine) as session:
                stale = chat_migrations.stale_groups(session, settings)
        finally:
            engine.dispose()
    except (SQLAlchemyError, OSError):
        return []  # check_database reports the database
    return [Check(True, GROUP_MIGRATED.format(team=group.team_name, new=group.chat_id),
                  GROUP_MIGRATED_ADVICE.format(code=group.team_code, new=group.chat_id,
                                               old=group.configured_chat_id), warning=True)
            for group in stale]


def check_telegram(settings: Settings) -> list[Check]:
    if not settings.telegram.token:
        return [Check(False, "未设置 Telegram 机器人令牌",
                      "在 [telegram] token 或 GOVDESK_TELEGRAM_TOKEN 中设置；"
                      "无令牌可先用 govdesk demo")]
    try:
        me = asyncio.run(_get_me(settings))
    except Exception as error:  # any failure to reach the Bot API is reported, not raised
        return [Check(False, f"无法连接 Bot API：{error.__class__.__name__}: {error}",
                      "检查令牌、网络，或 [telegram] api_url / GOVDESK_TELEGRAM_API_URL")]
    return [Check(True, f"Bot API 可连接，机器人 @{me}")]


async def _get_me(settings: Settings) -> str:
    from telegram import Bot

    kwargs = {}
    if settings.telegram.api_url:
        kwargs["base_url"] = settings.telegram.api_url
    async with Bot(settings.telegram.token, **kwargs) as bot:
        me = await asyncio.wait_for(bot.get_me(), 15)
    return me.username


CHECKS: tuple[Callable[[Settings], list[Check]], ...] = (
    check_config, check_database, check_data_dir, check_calendar, check_teams,
    check_group_migrations, check_telegram,
)


def run_checks(settings: Settings, out: Callable[[str], None] = print) -> bool:
    """Print every check; True when none failed (warnings do not fail)."""
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    results = [check for run in CHECKS for check in run(settings)]
    for check in results:
        out(check.line())
    failed = [check for check in results if not check.ok]
    out("\n全部检查通过。" if not failed else f"\n{len(failed)} 项检查未通过。")
    return not failed
