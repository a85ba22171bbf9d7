"""Reading a roster change typed by a person: moments and `/duty_set` arguments.

Moments are desk-local: "2026-12-01 22:00", "2026-12-01T22:00", "12-01 22:00", "22:00"
(today), "今天 22:00", "明天 09:00", "现在"/"now". An end given as a bare time that is not
after the start means the next day (22:00 → 09:00 is overnight).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.duty import DutyError, is_member
from bot.models import Person, Team

_DATE = re.compile(r"^(?:(\d{4})[-/.])?(\d{1,2})[-/.](\d{1,2})$")
_ISO = re.compile(r"^[\d\-/.]+T\d")
_TIME = re.compile(r"^(\d{1,2})[:：](\d{2})$")
_NOW = ("现在", "now", "立即")
_DAY_WORDS = {"今天": 0, "today": 0, "明天": 1, "tomorrow": 1, "后天": 2}
_FILLERS = ("从", "到", "至", "-", "~", "～", "—", "from", "to")


@dataclass(frozen=True)
class OverrideRequest:
    """`/duty_set 团队 人员 开始 结束 [原因]`, read."""

    team_code: str
    person: str
    starts_at: datetime
    ends_at: datetime
    reason: str


def _date(text: str, today: date) -> date | None:
    match = _DATE.match(text)
    if match is None:
        return None
    year = int(match[1]) if match[1] else today.year
    try:
        return date(year, int(match[2]), int(match[3]))
    except ValueError:
        raise DutyError(f"{text} 不是有效的日期。") from None


def _time(text: str) -> time | None:
    match = _TIME.match(text)
    if match is None:
        return None
    if int(match[1]) > 23 or int(match[2]) > 59:
        raise DutyError(f"{text} 不是有效的时间（00:00–23:59）。")
    return time(int(match[1]), int(match[2]))


def take_moment(tokens: list[str], tz: ZoneInfo, now: datetime,
                after: datetime | None = None) -> datetime:
    """Read one moment from the front of `tokens` (consumed); DutyError if there is none."""
    while tokens and tokens[0].lower() in _FILLERS:
        tokens.pop(0)
    if not tokens:
        raise DutyError("缺少时间，例如：2026-12-01 22:00 或 22:00。")
    head = tokens.pop(0)
    if head.lower() in _NOW:
        return now
    today = now.astimezone(tz).date()
    if _ISO.match(head):
        head, rest = head.split("T", 1)
        tokens.insert(0, rest)
    day = today + timedelta(days=_DAY_WORDS[head.lower()]) if head.lower() in _DAY_WORDS \
        else _date(head, today)
    if day is not None:
        clock = _time(tokens[0]) if tokens else None
        if clock is None:
            raise DutyError(f"{head} 后面缺少时刻，例如：{head} 09:00。")
        tokens.pop(0)
        return datetime.combine(day, clock, tz).astimezone(UTC)
    clock = _time(head)
    if clock is None:
        raise DutyError(f"看不懂时间 “{head}”，请写成 2026-12-01 22:00 或 22:00。")
    base = (after or now).astimezone(tz).date()
    moment = datetime.combine(base, clock, tz).astimezone(UTC)
    if after is not None and moment <= after:
        moment += timedelta(days=1)
    return moment


def parse_moment(text: str, tz: ZoneInfo, now: datetime) -> datetime:
    """One moment, the whole text (CLI --at/--from/--to)."""
    tokens = text.split()
    moment = take_moment(tokens, tz, now)
    if tokens:
        raise DutyError(f"时间后面有多余内容：{' '.join(tokens)}")
    return moment


def parse_override_request(args: Sequence[str], tz: ZoneInfo, now: datetime
                           ) -> OverrideRequest:
    """Read `团队代码 人员 开始 结束 [原因…]`."""
    tokens = [a for a in args if a]
    if len(tokens) < 4:
        raise DutyError("参数不足。")
    team, person = tokens.pop(0), tokens.pop(0)
    starts_at = take_moment(tokens, tz, now)
    ends_at = take_moment(tokens, tz, now, after=starts_at)
    return OverrideRequest(team, person, starts_at, ends_at, " ".join(tokens))


def find_member(team: Team, text: str) -> Person:
    """A member of the team by Telegram id or by exact name."""
    wanted = text.strip().lstrip("@")
    members = [m.person for m in team.members if is_member(m.person, team)]
    found = [p for p in members if str(p.telegram_id) == wanted or p.name == wanted]
    if not found:
        raise DutyError(f"{team.name} 中没有 “{wanted}”（请写成员姓名或 Telegram ID）。")
    if len(found) > 1:
        raise DutyError(f"{team.name} 中有多位 “{wanted}”，请改用 Telegram ID。")
    return found[0]
