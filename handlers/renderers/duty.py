"""Texts of /duty, /duty_set, /duty_cancel and the hand-off (交接班) message."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.duty import Turn
from bot.handoff import HandoffData
from bot.models import DutyOverride
from bot.priority import PRIORITY_LABELS
from handlers.renderers.common import MESSAGE_LIMIT, escape, trim
from handlers.renderers.limits import fit_lines, visible_length
from handlers.renderers.report import local

KIND_LABELS = {"day": "值班", "after_hours": "夜间/节假日值班", "override": "临时顶班"}
HEADER = "<b>值班表</b>（{now}）"
TEAM_LINE = "\n<b>{team}</b>"
NO_ROSTER = "  未配置值班表（新工单发到组群{fallback}）"
NOW_LINE = "  现在：<b>{name}</b>（{kind}{until}）"
NOBODY_NOW = "  现在：无人值班"
NEXT_LINE = "  下一班：{name}（{start} 起，{kind}）"
OVERRIDE_LINE = "  #{id} {name} {start} – {end}{reason}"
OVERRIDES = "  临时顶班："
UNTIL = "，至 {end}"
MORE_TEAMS = "……另有 {count} 个支持组未列出。"
FOOTER_LEAD = "\n组长可用 /duty_set 安排临时顶班，/duty_cancel 编号 取消。"
STAFF_ONLY = "无权操作：值班表仅对运维人员开放。"

SET_USAGE = (
    "用法：/duty_set 组代码 成员 开始 结束 [原因]\n"
    "例如：<code>/duty_set infra 陈工 2026-12-01 22:00 2026-12-02 09:00 替李工值夜班</code>\n"
    "成员写姓名或 Telegram ID；时间可写 22:00（今天）、明天 09:00、12-01 22:00、现在；"
    "结束只写时刻且早于开始时，表示次日。"
)
SET_HINT = "\n（发送 /duty_set 查看用法）"
SET_DONE = "✅ 已安排：{name} 于 {start} – {end} 为{team}值班（临时顶班 #{id}）。"
TO_COVERING = "📅 {by} 安排您于 {start} – {end} 为{team}值班。{reason}"
CANCEL_USAGE = "用法：/duty_cancel 编号（编号见 /duty）"
CANCEL_DONE = "已取消临时顶班 #{id}（{name}，{team}）。"
UNKNOWN_TEAM = "没有代码为 {code} 的支持组。可用：{codes}"

HANDOFF = (
    "🔄 <b>{team} 交接班</b>（{at}）\n"
    "{before}现在值班：<b>{name}</b>{until}\n"
    "下一班：{next}\n"
    "未完成工单 {open} 张，其中待认领 {unclaimed} 张。"
)
HANDOFF_FROM = "{name} → "
HANDOFF_RISKS = "\n\n<b>⚠️ 需要关注</b>（{count}）"
HANDOFF_RISK_LINE = "· {number} {priority} {category}{who} — {state} {due}"
HANDOFF_NO_RISK = "\n\n暂无超时风险工单。"


@dataclass(frozen=True)
class TeamDuty:
    """What /duty shows about one team."""

    name: str
    has_rotation: bool
    has_group: bool
    now: Turn
    next: Turn | None
    overrides: Sequence[DutyOverride]


def _until(turn: Turn, tz: ZoneInfo) -> str:
    return UNTIL.format(end=local(turn.ends_at, tz)) if turn.ends_at else ""


def duty_text(teams: Sequence[TeamDuty], now: datetime, tz: ZoneInfo, *, lead: bool) -> str:
    """Each team's duty, as many teams as fit one message."""
    head, footer = HEADER.format(now=local(now, tz)), FOOTER_LEAD if lead else ""
    budget = MESSAGE_LIMIT - visible_length(head) - visible_length(footer) - 2
    blocks = fit_lines(["\n".join(_team_lines(team, tz)) for team in teams], MORE_TEAMS, budget)
    return "\n".join(part for part in (head, blocks, footer) if part)


def _team_lines(team: TeamDuty, tz: ZoneInfo) -> list[str]:
    lines = [TEAM_LINE.format(team=escape(team.name))]
    if not team.has_rotation and not team.overrides:
        return lines + [NO_ROSTER.format(fallback="" if team.has_group else "；无组群时私聊组长")]
    if team.now.person is not None:
        lines.append(NOW_LINE.format(name=escape(team.now.person.name),
                                     kind=KIND_LABELS.get(team.now.kind, ""),
                                     until=_until(team.now, tz)))
    else:
        lines.append(NOBODY_NOW)
    if team.next is not None and team.next.person is not None:
        lines.append(NEXT_LINE.format(name=escape(team.next.person.name),
                                      start=local(team.next.starts_at, tz),
                                      kind=KIND_LABELS.get(team.next.kind, "")))
    if team.overrides:
        lines.append(OVERRIDES)
        lines += [override_line(o, tz) for o in team.overrides[:10]]
    return lines


def override_line(override: DutyOverride, tz: ZoneInfo) -> str:
    reason = f"（{escape(trim(override.reason, 40))}）" if override.reason else ""
    return OVERRIDE_LINE.format(id=override.id, name=escape(override.person.name),
                                start=local(override.starts_at, tz),
                                end=local(override.ends_at, tz), reason=reason)


def handoff_text(data: HandoffData, tz: ZoneInfo) -> str:
    """The hand-off message for a team's group (or its on-duty people)."""
    before = HANDOFF_FROM.format(name=escape(data.handed_over_by.name)) \
        if data.handed_over_by else ""
    until = f"（至 {local(data.turn_ends_at, tz)}）" if data.turn_ends_at else ""
    text = HANDOFF.format(
        team=escape(data.team_name), at=local(data.at, tz), before=before,
        name=escape(data.on_duty.name) if data.on_duty else "无人值班", until=until,
        next=escape(data.next_on_duty.name) if data.next_on_duty else "—",
        open=len(data.open_tickets), unclaimed=data.unclaimed)
    if not data.at_risk:
        return text + HANDOFF_NO_RISK
    lines = [HANDOFF_RISKS.format(count=len(data.at_risk))]
    for item in data.at_risk[:20]:
        lines.append(HANDOFF_RISK_LINE.format(
            number=item.number, priority=PRIORITY_LABELS[item.priority],
            category=escape(item.category),
            who=f"（{escape(item.assignee_name)}）" if item.assignee_name else "（待认领）",
            state="已超时" if item.overdue else "即将超时",
            due=local(item.due_at, tz) if item.due_at else ""))
    return text + "\n".join(lines)
