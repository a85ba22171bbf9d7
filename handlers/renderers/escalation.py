"""Texts and buttons of SLA reminders, escalations, 「督办」 and the supervisors' actions."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.models import Ticket
from bot.priority import PRIORITY_LABELS
from bot.sla_alerts import Fired
from handlers.callbacks import pack
from handlers.renderers.common import escape, trim
from handlers.renderers.report import local

PREFIX = "esc"
CARD_PREFIX = "tk"

CLOCKS = {"response": "响应", "resolution": "解决"}
REMINDER = ("⏰ <b>SLA 提醒</b>：工单 {number}（{priority}）的{clock}时限{state}，"
            "时限 {due}。\n{summary}")
REMINDER_UNCLAIMED = ("⏰ <b>SLA 提醒</b>：工单 {number}（{priority}）<b>尚无人认领</b>，"
                      "{clock}时限{state}，时限 {due}。请尽快认领。\n{summary}")
LEVEL_1 = ("🚨 <b>SLA 一级升级</b>：工单 {number}（{priority} · {team}）的{clock}时限{state}，"
           "时限 {due}。\n处理人：{assignee}\n{summary}")
LEVEL_2 = ("🚨🚨 <b>SLA 二级升级</b>：工单 {number}（{priority} · {team}）的{clock}时限{state}，"
           "时限 {due}。\n处理人：{assignee}\n{summary}\n请督办，或接管/指派处理人。")
OVERDUE = "已超时（{percent}%）"
USED = "已用 {percent}%"
UNCLAIMED = "（无人认领）"
SKIPPED = "\n（期间已越过 {percents}，合并为本条提醒）"
SUMMARY = "{category}：{description}"

URGED = "📣 <b>督办</b>：{name} 督办工单 {number}（{priority}），请尽快处理并更新进度。\n{summary}"
URGE_DONE = "已督办工单 {number}，已通知：{names}。"
URGE_NOBODY = "已记录督办，但工单 {number} 目前没有可通知的处理人或值班人员。"
ASK_TAKE = "接管或指派工单 {number}："
TAKEN = "您已接管工单 {number}，可在工单卡片上继续处理。"
TO_REPORTER_TAKEN = "👤 您的工单 {number} 已由 {name} 接管处理。"
STALE = "该按钮已失效，请重新操作。"
NOT_STAFF = "无权操作"

BUTTON_URGE = "督办"
BUTTON_MOVE = "改派"
BUTTON_TAKE = "接管/指派"
BUTTON_VIEW = "查看"
BUTTON_TAKE_SELF = "🙋 我来接管"
BUTTON_CLAIM = "认领"
BUTTON_DETAILS = "详情"

Rows = list[list[tuple[str, str]]]


def _summary(category: str, description: str) -> str:
    text = " ".join(description.split())
    return SUMMARY.format(category=escape(category), description=escape(trim(text, 120)))


def alert_message(fired: Fired, tz: ZoneInfo) -> tuple[str, Rows]:
    """The text and buttons of one reminder or escalation."""
    ticket_id = fired.ticket_id
    values = dict(number=fired.number, priority=PRIORITY_LABELS[fired.priority],
                  clock=CLOCKS[fired.clock], percent=fired.percent,
                  due=local(fired.due_at, tz) if fired.due_at else "—",
                  team=escape(fired.team_name),
                  summary=_summary(fired.category, fired.description),
                  assignee=escape(fired.assignee_name) if fired.assignee_name else UNCLAIMED,
                  state=(OVERDUE if fired.stated_percent >= 100 else USED).format(
                      percent=fired.stated_percent))
    details = (BUTTON_DETAILS, pack(CARD_PREFIX, "info", ticket_id))
    if fired.level == "lead":
        text, rows = LEVEL_1.format(**values), [[(BUTTON_URGE, pack(PREFIX, "urge", ticket_id)),
                                                 (BUTTON_MOVE, pack(PREFIX, "move", ticket_id))]]
    elif fired.level == "supervisor":
        text = LEVEL_2.format(**values)
        rows = [[(BUTTON_URGE, pack(PREFIX, "urge", ticket_id)),
                 (BUTTON_TAKE, pack(PREFIX, "take", ticket_id)),
                 (BUTTON_VIEW, pack(PREFIX, "view", ticket_id))]]
    elif fired.unclaimed:
        text = REMINDER_UNCLAIMED.format(**values)
        rows = [[(BUTTON_CLAIM, pack(CARD_PREFIX, "claim", ticket_id)), details]]
    else:
        text, rows = REMINDER.format(**values), [[details]]
    if fired.skipped:
        text += SKIPPED.format(percents="、".join(f"{p}%" for p in fired.skipped))
    return text, rows


def urged(ticket: Ticket, name: str) -> tuple[str, Rows]:
    """The ping a 「督办」 sends to the assignee (or the on-duty person and the group)."""
    rows = [[(BUTTON_DETAILS, pack(CARD_PREFIX, "info", ticket.id))]]
    if ticket.assignee_id is None:
        rows = [[(BUTTON_CLAIM, pack(CARD_PREFIX, "claim", ticket.id)), rows[0][0]]]
    return URGED.format(name=escape(name), number=ticket.number,
                        priority=PRIORITY_LABELS[ticket.priority],
                        summary=_summary(ticket.category.name, ticket.description)), rows


def take_rows(ticket_id: int, people: list[tuple[int, str]],
              teams: list[tuple[str, str]], version: int) -> Rows:
    """「我来接管」, then the team's people and the other teams (the card's reassign buttons);
    each carries the ticket's version (handlers.versions)."""
    rows = [[(BUTTON_TAKE_SELF, pack(PREFIX, "mine", ticket_id, version))]]
    rows += [[(f"👤 {name}", pack(CARD_PREFIX, "to", ticket_id, person_id, version))]
             for person_id, name in people]
    rows += [[(f"👥 {name}", pack(CARD_PREFIX, "team", ticket_id, code, version))]
             for code, name in teams]
    return rows


def timeline(text: str) -> str:
    """The `govdesk sla explain` text, for a chat."""
    return f"<pre>{escape(trim(text, 3800))}</pre>"
