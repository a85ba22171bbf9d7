"""`govdesk calendar show YYYY-MM [--json]`: each day of a month, its kind and its source.

    govdesk calendar show 2027-02
    govdesk calendar show 2027-10 --json

The working calendar as the desk's SLA clock sees it, from the config's `[calendar]` and the
sources in bot.calendar_days; no database is needed. A month of a year whose 调休 are not known
yet (a statutory estimate) carries the warning in the text and in the JSON.
"""

from __future__ import annotations

import argparse
import calendar as gregorian
import json
import re
import sys
from datetime import date, timedelta

from bot.calendar import Coverage, Day, WorkingCalendar
from bot.calendar_config import policy_from_settings
from bot.settings import Settings

EXIT_OK, EXIT_FAILED = 0, 1

KINDS = {"workday": "工作日", "weekend": "周末", "holiday": "法定节假日",
         "makeup_workday": "调休上班"}
YEAR_SOURCES = {"notice": "国务院放假通知（chinesecalendar）", "config": "配置文件 [calendar]",
                "statutory_estimate": "法定节假日估算（调休未知）", "weekday_rule": "仅按星期"}
DAY_SOURCES = {"notice": "通知", "config": "配置", "statutory_estimate": "估算",
               "weekday_rule": "星期"}
LEGEND = ("来源：通知 = 国务院放假通知；配置 = 配置文件 [calendar]；"
          "估算 = 法律规定的法定节假日，调休未知；星期 = 只按星期")
WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
BAD_MONTH = "✗ {text!r} 不是有效的月份：请按 YYYY-MM 填写，例如 2027-02"
HEADER = "{year} 年 {month} 月工作日历（{timezone}）· 本年来源：{source}"
WARNINGS = {
    "statutory_estimate": (
        "⚠ {year} 年的国务院放假通知尚未收录：这里只计入法律规定的法定节假日（元旦、春节、清明、"
        "劳动节、端午、中秋、国庆），调休放假和调休上班日尚不知道，实际安排以通知为准。\n"
        "  通知发布后，请把放假日期和调休上班日填入配置 [calendar] 的 holidays / workdays，"
        "并把 {year} 加入 declared_years。"),
    "weekday_rule": (
        "⚠ 没有 {year} 年的节假日数据：只按星期计算工作日。\n"
        "  请把国务院公布的放假日期和调休上班日填入配置 [calendar] 的 holidays / workdays，"
        "并把 {year} 加入 declared_years。"),
}
GUESS_NOTE = "  ⚠ holidays 包的估计：{name}，未计入"
SUMMARY = "本月工作日 {working} 天，非工作日 {off} 天。"
_MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Add `govdesk calendar …` to the command line."""
    parser = commands.add_parser("calendar", help="工作日历：逐日查看工作日、节假日和来源")
    sub = parser.add_subparsers(dest="calendar_command", metavar="SUBCOMMAND", required=True)
    show = sub.add_parser("show", help="某月每一天：工作日 / 周末 / 法定节假日 / 调休上班及来源")
    show.add_argument("month", help="月份 YYYY-MM，例如 2027-02")
    show.add_argument("--json", action="store_true", help="输出 JSON")


def parse_month(text: str) -> tuple[int, int]:
    """(year, month) of "YYYY-MM", or ValueError with the Chinese message."""
    match = _MONTH.match(text)
    if match is None or not 1 <= int(match[1]) <= 9999 or not 1 <= int(match[2]) <= 12:
        raise ValueError(BAD_MONTH.format(text=text))
    return int(match[1]), int(match[2])


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Run `govdesk calendar show`."""
    try:
        year, month = parse_month(args.month)
    except ValueError as error:
        print(error, file=sys.stderr)
        return EXIT_FAILED
    calendar = WorkingCalendar(policy_from_settings(settings.calendar, settings.desk.timezone))
    coverage = calendar.year_coverage(year)
    days = month_days(calendar, year, month)
    if args.json:
        print(json.dumps(month_json(year, month, coverage, days), ensure_ascii=False, indent=2))
    else:
        print(month_text(year, month, coverage, days, settings.desk.timezone))
    return EXIT_OK


def month_days(calendar: WorkingCalendar, year: int, month: int) -> list[Day]:
    """Every day of the month, classified."""
    first = date(year, month, 1)
    count = gregorian.monthrange(year, month)[1]
    return [calendar.day(first + timedelta(days=i)) for i in range(count)]


def month_text(year: int, month: int, coverage: Coverage, days: list[Day], timezone: str) -> str:
    """The month as lines for a terminal: one day a line, the warning first."""
    lines = [HEADER.format(year=year, month=month, timezone=timezone,
                           source=YEAR_SOURCES[coverage.source])]
    if coverage.source in WARNINGS:
        lines.append(WARNINGS[coverage.source].format(year=year))
    lines.append(LEGEND)
    for day in days:
        kind = KINDS[day.kind].ljust(5, "\u3000")
        name = f"  {day.holiday}" if day.holiday else ""
        guess = GUESS_NOTE.format(name=day.observed_guess) if day.observed_guess else ""
        lines.append(f"{day.date.isoformat()} {WEEKDAYS[day.date.weekday()]}  {kind}  "
                     f"{DAY_SOURCES[day.source]}{name}{guess}")
    working = sum(day.working for day in days)
    lines.append(SUMMARY.format(working=working, off=len(days) - working))
    return "\n".join(lines)


def month_json(year: int, month: int, coverage: Coverage, days: list[Day]) -> dict:
    """The month as a JSON object: the year's source, the warning, and each day."""
    warning = WARNINGS.get(coverage.source)
    return {
        "month": f"{year:04d}-{month:02d}",
        "year_source": coverage.source,
        "confirmed": coverage.known,
        "warning": warning.format(year=year) if warning else None,
        "days": [
            {
                "date": day.date.isoformat(),
                "weekday": WEEKDAYS[day.date.weekday()],
                "isoweekday": day.date.isoweekday(),
                "kind": KINDS[day.kind],
                "code": day.kind,
                "working": day.working,
                "source": day.source,
                "holiday": day.holiday or None,
                "observed_estimate": day.observed_guess or None,
            }
            for day in days
        ],
    }
