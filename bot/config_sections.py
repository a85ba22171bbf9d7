"""Parsers for the list and policy sections of the configuration."""

from __future__ import annotations

import re
from datetime import date, datetime, time

from bot.config_values import Reader, parse_clock_time
from bot.settings import (
    IMPACTS,
    PRIORITIES,
    ROLES,
    URGENCIES,
    CalendarSettings,
    CategorySettings,
    DutySettings,
    PersonSettings,
    PriorityTarget,
    SlaSettings,
    TeamSettings,
    TicketSettings,
)

CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
DURATION_PATTERN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([mhd])\s*$")


def _code(section: Reader, name: str = "code") -> str:
    value = section.string(name)
    if not CODE_PATTERN.match(value):
        raise section.error(name, f"{value!r} 不是合法代码"
                            "（小写字母开头，字母数字 _ -，≤32 字符）")
    return value


def _unique(section: Reader, seen: set, value: object, name: str) -> None:
    if value in seen:
        raise section.error(name, f"{value!r} 重复")
    seen.add(value)


def parse_teams(root: Reader) -> tuple[TeamSettings, ...]:
    teams, seen = [], set()
    for section in root.tables("teams"):
        code = _code(section)
        _unique(section, seen, code, "code")
        chat_id = section.optional_integer("chat_id")
        if chat_id is not None and chat_id >= 0:
            raise section.error("chat_id", "群组 chat_id 应为负数（例如 -1001234567890）")
        leads = tuple(section.list_of("leads", int, "整数（Telegram 用户 ID）"))
        duty = parse_duty(section.table("duty")) if "duty" in section.data else None
        teams.append(TeamSettings(code, section.string("name"), chat_id, leads, duty))
    return tuple(teams)


DUTY_KEYS = {"rotation", "period", "handoff", "handoff_weekday", "after_hours_rotation",
             "after_hours_start", "follow_calendar", "anchor"}


def parse_duty(section: Reader) -> DutySettings:
    """A team's `[teams.duty]` table: rotation, period, hand-off time, after-hours rotation."""
    for key in section.data:
        if key not in DUTY_KEYS:
            raise section.error(key, f"未知的值班表配置项（可用：{', '.join(sorted(DUTY_KEYS))}）")
    rotation = tuple(section.list_of("rotation", int, "整数（Telegram 用户 ID）"))
    if not rotation:
        raise section.error("rotation", "值班轮换名单不能为空（按顺序列出 Telegram 用户 ID）")
    period = section.string("period", required=False) or "day"
    if period not in ("day", "week"):
        raise section.error("period",
                            f"应为 \"day\"（每天交接）或 \"week\"（每周交接），实际是 {period!r}")
    handoff = _clock(section, "handoff") or time(9, 0)
    weekday = section.integer("handoff_weekday", minimum=1, maximum=7, required=False) or 1
    after_hours = tuple(section.list_of("after_hours_rotation", int, "整数（Telegram 用户 ID）"))
    after_start = _clock(section, "after_hours_start")
    if after_start is not None and after_start <= handoff:
        raise section.error("after_hours_start", "下班后值班的开始时间应晚于交接时间 handoff")
    follow = section.data.get("follow_calendar", True)
    if not isinstance(follow, bool):
        raise section.error("follow_calendar", f"应为 true 或 false，实际是 {follow!r}")
    anchor = _date(section, "anchor") or DutySettings.anchor
    return DutySettings(rotation, period, handoff, weekday, after_hours, after_start, follow,
                        anchor)


def _clock(section: Reader, name: str) -> time | None:
    text = section.string(name, required=False)
    if not text:
        return None
    try:
        return parse_clock_time(text)
    except ValueError as exc:
        raise section.error(name, str(exc)) from None


def _date(section: Reader, name: str) -> date | None:
    if name not in section.data:
        return None
    value = section.data[name]
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise section.error(name, f"{value!r} 不是日期（格式 2026-01-05）") from None


def check_duty(root: Reader, teams: tuple[TeamSettings, ...],
               people: tuple[PersonSettings, ...], calendar: CalendarSettings) -> None:
    """Everyone on a team's rotation is listed under [[people]] and works in that team."""
    for index, team in enumerate(teams):
        if team.duty is None:
            continue
        evening = team.duty.after_hours_start or calendar.working_hours[-1][1]
        if team.duty.after_hours_rotation and evening <= team.duty.handoff:
            raise root.error(f"teams[{index}].duty.after_hours_start",
                             f"下班后值班从 {evening:%H:%M} 开始，应晚于交接时间 handoff")
        members = {p.telegram_id for p in people if team.code in p.teams} | set(team.leads)
        for key in ("rotation", "after_hours_rotation"):
            for telegram_id in getattr(team.duty, key):
                if telegram_id not in members:
                    raise root.error(f"teams[{index}].duty.{key}",
                                     f"{telegram_id} 不是 {team.code} 组的成员"
                                     "（请在 [[people]] 中登记并把该组写入其 teams）")


def parse_categories(root: Reader, team_codes: set[str]) -> tuple[CategorySettings, ...]:
    categories, seen = [], set()
    for section in root.tables("categories"):
        code = _code(section)
        _unique(section, seen, code, "code")
        team = section.string("team")
        if team not in team_codes:
            known = ", ".join(sorted(team_codes))
            raise section.error("team", f"未知的支持组 {team!r}（已定义：{known}）")
        categories.append(CategorySettings(code, section.string("name"),
                                           section.string("group"), team))
    if not categories:
        raise root.error("categories", "至少需要一个服务目录分类")
    return tuple(categories)


def parse_people(root: Reader, team_codes: set[str]) -> tuple[PersonSettings, ...]:
    people, seen = [], set()
    for section in root.tables("people"):
        telegram_id = section.integer("telegram_id", minimum=1, maximum=2**52)
        _unique(section, seen, telegram_id, "telegram_id")
        roles = tuple(section.list_of("roles", str, "字符串")) or ("reporter",)
        for role in roles:
            if role not in ROLES:
                raise section.error("roles", f"未知角色 {role!r}（可选：{', '.join(ROLES)}）")
        teams = tuple(section.list_of("teams", str, "字符串"))
        for team in teams:
            if team not in team_codes:
                raise section.error("teams", f"未知的支持组 {team!r}")
        name = section.string("name")
        people.append(PersonSettings(telegram_id, name, section.string("unit", required=False),
                                     roles, teams))
    return tuple(people)


def parse_calendar(section: Reader) -> CalendarSettings:
    intervals = []
    for item in section.list_of("working_hours", str, "字符串"):
        start, sep, end = item.partition("-")
        try:
            if not sep:
                raise ValueError(f"{item!r} 应为 HH:MM-HH:MM")
            interval = parse_clock_time(start), parse_clock_time(end)
        except ValueError as exc:
            raise section.error("working_hours", str(exc)) from None
        if interval[0] >= interval[1] or (intervals and interval[0] < intervals[-1][1]):
            raise section.error("working_hours", f"{item!r} 与其他时段重叠或顺序不对")
        intervals.append(interval)
    if not intervals:
        raise section.error("working_hours", "至少需要一个工作时段")
    weekdays = tuple(section.list_of("working_weekdays", int, "整数（1=周一 … 7=周日）"))
    if any(day < 1 or day > 7 for day in weekdays):
        raise section.error("working_weekdays", "取值应为 1（周一）到 7（周日）")
    years = tuple(section.list_of("declared_years", int, "整数"))
    return CalendarSettings(tuple(intervals), weekdays, section.dates("holidays"),
                            section.dates("workdays"), years)


def working_day_minutes(calendar: CalendarSettings) -> int:
    """Minutes of working time in one working day."""
    return sum((end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
               for start, end in calendar.working_hours)


def _duration(section: Reader, name: str, day_minutes: int) -> int:
    raw = section.data.get(name)
    if isinstance(raw, int) and not isinstance(raw, bool) and raw > 0:
        return raw
    match = DURATION_PATTERN.match(raw) if isinstance(raw, str) else None
    if not match or float(match.group(1)) <= 0:
        raise section.error(name, f"{raw!r} 不是时长（例如 \"15m\"、\"4h\"、\"3d\" 或分钟数）")
    amount, unit = float(match.group(1)), match.group(2)
    return round(amount * {"m": 1, "h": 60, "d": day_minutes}[unit])


def parse_sla(section: Reader, calendar: CalendarSettings) -> SlaSettings:
    matrix_section = section.table("matrix")
    matrix: dict[str, dict[str, str]] = {}
    for impact in IMPACTS:
        row = matrix_section.table(impact)
        matrix[impact] = {}
        for urgency in URGENCIES:
            priority = row.string(urgency)
            if priority not in PRIORITIES:
                raise row.error(urgency, f"优先级应为 {'/'.join(PRIORITIES)}，实际是 {priority!r}")
            matrix[impact][urgency] = priority
    targets = {}
    for priority in PRIORITIES:
        row = section.table("targets").table(priority)
        clock = row.string("clock")
        if clock not in ("working", "24x7"):
            raise row.error("clock", "应为 \"working\"（工作时间）或 \"24x7\"")
        day = working_day_minutes(calendar) if clock == "working" else 24 * 60
        targets[priority] = PriorityTarget(_duration(row, "response", day),
                                           _duration(row, "resolution", day), clock)
    percents = tuple(section.list_of("reminder_percents", int, "整数"))
    if any(not 0 < p < 100 for p in percents):
        raise section.error("reminder_percents", "提醒阈值应在 1 到 99 之间")
    return SlaSettings(
        matrix=matrix,
        targets=targets,
        reminder_percents=tuple(sorted(set(percents))),
        lead_escalation_percent=section.integer("lead_escalation_percent", minimum=50,
                                                maximum=1000),
        supervisor_escalation_percent=section.integer("supervisor_escalation_percent",
                                                      minimum=50, maximum=1000),
        sweep_seconds=section.integer("sweep_seconds", minimum=5, maximum=3600),
    )


def parse_tickets(section: Reader) -> TicketSettings:
    return TicketSettings(
        auto_close_working_days=section.integer("auto_close_working_days", minimum=1, maximum=60),
        reopen_window_working_days=section.integer("reopen_window_working_days", minimum=0,
                                                   maximum=60),
        max_description_chars=section.integer("max_description_chars", minimum=100, maximum=4000),
        max_attachments=section.integer("max_attachments", minimum=0, maximum=10),
    )
