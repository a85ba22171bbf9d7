"""Texts of scheduled messages: the supervisors' morning digest and the auto-close notice."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.digest import Digest
from bot.priority import PRIORITY_LABELS
from handlers.renderers.common import escape
from handlers.renderers.report import local

AUTO_CLOSED = ("📁 您的工单 {number} 已解决 {days} 个工作日未确认，系统已自动关闭。"
               "如问题仍未解决，可在关闭后 {window} 个工作日内通过 /ticket {number} 重新打开。")

DIGEST_HEADER = "📊 <b>每日简报</b> · {day}"
DIGEST_TEAMS = "\n<b>未完成工单</b>（未完成 / 待认领 / 即将超时 / 已超时）"
DIGEST_TEAM = "· {name}：{open} / {unclaimed} / {at_risk} / {breached}"
DIGEST_OVERDUE = "\n<b>已超时</b>（最早的 {count} 张）"
DIGEST_OVERDUE_LINE = "· {number} {priority} {team} — {kind}时限 {due}"
DIGEST_NONE_OVERDUE = "\n✅ 目前没有超时工单。"
DIGEST_SINCE = ("\n<b>{since} 以来</b>\n"
                "新报修 {created} 张，已解决 {resolved} 张，已关闭 {closed} 张，"
                "升级 {escalations} 次\n"
                "响应达标 {response}，解决达标 {resolution}")
KINDS = {"response": "响应", "resolution": "解决"}


def _rate(met: int, total: int) -> str:
    return f"{met}/{total}（{round(100 * met / total)}%）" if total else "—"


def digest_text(digest: Digest, tz: ZoneInfo) -> str:
    """The morning digest for the supervisors."""
    weekday = "一二三四五六日"[digest.day.weekday()]
    lines = [DIGEST_HEADER.format(day=f"{digest.day.month}月{digest.day.day}日 周{weekday}"),
             DIGEST_TEAMS]
    for team in (*digest.teams, digest.totals):
        lines.append(DIGEST_TEAM.format(name=escape(team.name), open=team.open,
                                        unclaimed=team.unclaimed, at_risk=team.at_risk,
                                        breached=team.breached))
    if digest.overdue:
        lines.append(DIGEST_OVERDUE.format(count=len(digest.overdue)))
        lines += [DIGEST_OVERDUE_LINE.format(number=o.number, priority=PRIORITY_LABELS[o.priority],
                                             team=escape(o.team), kind=KINDS[o.due_kind],
                                             due=local(o.due_at, tz)) for o in digest.overdue]
    else:
        lines.append(DIGEST_NONE_OVERDUE)
    lines.append(DIGEST_SINCE.format(
        since=f"{digest.since.month}月{digest.since.day}日", created=digest.created,
        resolved=digest.resolved, closed=digest.closed, escalations=digest.escalations,
        response=_rate(digest.response_met, digest.response_total),
        resolution=_rate(digest.resolution_met, digest.resolution_total)))
    return "\n".join(lines)
