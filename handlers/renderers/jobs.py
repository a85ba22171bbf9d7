"""Texts of scheduled messages: the supervisors' morning digest and the auto-close notice."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.digest import Digest, TeamLine
from bot.priority import PRIORITY_LABELS
from handlers.renderers.common import MESSAGE_LIMIT, escape
from handlers.renderers.limits import fit_lines, visible_length
from handlers.renderers.report import local

AUTO_CLOSED = ("📁 您的工单 {number} 已解决 {days} 个工作日未确认，系统已自动关闭。"
               "如问题仍未解决，可在关闭后 {window} 个工作日内通过 /ticket {number} 重新打开。")

DIGEST_HEADER = "📊 <b>每日简报</b> · {day}"
DIGEST_TEAMS = "\n<b>未完成工单</b>（未完成 / 待认领 / 即将超时 / 已超时）"
DIGEST_TEAM = "· {name}：{open} / {unclaimed} / {at_risk} / {breached}"
DIGEST_OVERDUE = "\n<b>已超时</b>（最早的 {count} 张）"
DIGEST_OVERDUE_LINE = "· {number} {priority} {team} — {kind}时限 {due}"
DIGEST_MORE = "· ……另有 {count} 个支持组未列出"
DIGEST_NONE_OVERDUE = "\n✅ 目前没有超时工单。"
DIGEST_SINCE = ("\n<b>{since} 以来</b>\n"
                "新报修 {created} 张，已解决 {resolved} 张，已关闭 {closed} 张，"
                "升级 {escalations} 次\n"
                "响应达标 {response}，解决达标 {resolution}")
KINDS = {"response": "响应", "resolution": "解决"}


def _rate(met: int, total: int) -> str:
    return f"{met}/{total}（{round(100 * met / total)}%）" if total else "—"


def digest_text(digest: Digest, tz: ZoneInfo) -> str:
    """The morning digest for the supervisors: as many team lines as fit one message (the
    totals, the overdue tickets and the numbers since the last digest always show)."""
    weekday = "一二三四五六日"[digest.day.weekday()]
    head = [DIGEST_HEADER.format(day=f"{digest.day.month}月{digest.day.day}日 周{weekday}"),
            DIGEST_TEAMS]
    teams = [_team_line(team) for team in digest.teams]
    tail = [_team_line(digest.totals)]
    if digest.overdue:
        tail.append(DIGEST_OVERDUE.format(count=len(digest.overdue)))
        tail += [DIGEST_OVERDUE_LINE.format(number=o.number, priority=PRIORITY_LABELS[o.priority],
                                            team=escape(o.team), kind=KINDS[o.due_kind],
                                            due=local(o.due_at, tz)) for o in digest.overdue]
    else:
        tail.append(DIGEST_NONE_OVERDUE)
    tail.append(DIGEST_SINCE.format(
        since=f"{digest.since.month}月{digest.since.day}日", created=digest.created,
        resolved=digest.resolved, closed=digest.closed, escalations=digest.escalations,
        response=_rate(digest.response_met, digest.response_total),
        resolution=_rate(digest.resolution_met, digest.resolution_total)))
    head_text, tail_text = "\n".join(head), "\n".join(tail)
    budget = MESSAGE_LIMIT - visible_length(head_text) - visible_length(tail_text) - 2
    middle = fit_lines(teams, DIGEST_MORE, budget)
    return "\n".join(part for part in (head_text, middle, tail_text) if part)


def _team_line(team: TeamLine) -> str:
    return DIGEST_TEAM.format(name=escape(team.name), open=team.open,
                              unclaimed=team.unclaimed, at_risk=team.at_risk,
                              breached=team.breached)
