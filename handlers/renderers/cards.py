"""The ticket card posted to a team's group, and the reporter's notifications."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.card_sla import SlaMark
from bot.lifecycle import STATUS_LABELS
from bot.models import Ticket
from bot.priority import IMPACT_LABELS, PRIORITY_LABELS, URGENCY_LABELS
from handlers.callbacks import pack
from handlers.renderers.attachments import view_row
from handlers.renderers.common import escape, trim
from handlers.renderers.report import local

PREFIX = "tk"

CARD = (
    "{icon} <b>工单 {number}</b> · {priority}{sla_head}\n"
    "分类：{category}\n"
    "报修人：{reporter}（{unit}）\n"
    "影响：{impact} · {urgency}\n"
    "响应时限：{response_due}\n"
    "解决时限：{resolution_due}\n"
    "状态：<b>{status}</b>{assignee}{files}{sla_line}\n\n"
    "{description}"
)
BUTTON_CLAIM = "认领"
BUTTON_DETAILS = "详情"
BUTTON_START = "处理中"
BUTTON_PEND = "挂起"
BUTTON_RESOLVE = "已解决"
BUTTON_REASSIGN = "转派"
BUTTON_ASK = "询问报修人"
SLA_STATES = {"soon": "⚠️ 即将超时", "overdue": "⏰ 已超时"}
SLA_CLOCKS = {"response": "响应时限", "resolution": "解决时限"}
SLA_ESCALATED = {"lead": "🚨 已升级至组长", "supervisor": "🚨🚨 已升级至主管"}
SLA_LINE = "\n时限：<b>{state}</b>（{clock} {due}）{escalated}"
HEADLINES = {
    "new": "🆕", "assigned": "👷", "in_progress": "🔧", "pending": "⏸", "resolved": "✅",
    "closed": "📁", "cancelled": "✖️",
}


def card_text(ticket: Ticket, tz: ZoneInfo, sla: SlaMark | None = None) -> str:
    """The card's text: everything a technician needs to decide to claim (with the SLA mark
    of bot.card_sla: 即将超时 / 已超时 / 已升级 and the due time, if any)."""
    assignee = f"（由 {escape(ticket.assignee.name)} 认领）" if ticket.assignee else ""
    if ticket.pending_reason and ticket.status == "pending":
        assignee += f"\n挂起原因：{escape(ticket.pending_reason)}"
    files = f"\n附件：{len(ticket.attachments)} 个" if ticket.attachments else ""
    return CARD.format(
        icon=HEADLINES[ticket.status], number=ticket.number,
        priority=PRIORITY_LABELS[ticket.priority],
        category=escape(ticket.category.name), reporter=escape(ticket.reporter.name),
        unit=escape(ticket.reporter_unit or "未填写"), impact=IMPACT_LABELS[ticket.impact],
        urgency=URGENCY_LABELS[ticket.urgency],
        response_due=local(ticket.response_due_at, tz) if ticket.response_due_at else "—",
        resolution_due=local(ticket.resolution_due_at, tz) if ticket.resolution_due_at else "—",
        status=STATUS_LABELS[ticket.status], assignee=assignee, files=files,
        description=escape(trim(ticket.description, 600)), **_sla_parts(sla, tz),
    )


def _sla_parts(sla: SlaMark | None, tz: ZoneInfo) -> dict[str, str]:
    if sla is None:
        return {"sla_head": "", "sla_line": ""}
    state = SLA_STATES[sla.state] if sla.state == "overdue" or not sla.escalated else ""
    escalated = SLA_ESCALATED[sla.escalated] if sla.escalated else ""
    head = " · ".join(part for part in (state, escalated) if part)
    line = SLA_LINE.format(state=state or escalated, clock=SLA_CLOCKS[sla.clock],
                           due=local(sla.due_at, tz),
                           escalated=f" · {escalated}" if state and escalated else "")
    return {"sla_head": f" · {head}", "sla_line": line}


def card_rows(ticket: Ticket) -> list[list[tuple[str, str]]]:
    """The buttons that fit the ticket's state: claim, then the assignee's next actions;
    「查看附件」 under them if the reporter sent any."""
    rows = rows_for(ticket.id, ticket.status)
    if ticket.attachments:
        rows.append(view_row(ticket.id, len(ticket.attachments)))
    return rows


def rows_for(ticket_id: int, status: str) -> list[list[tuple[str, str]]]:
    """card_rows from the ticket's id and status alone."""
    details = (BUTTON_DETAILS, pack(PREFIX, "info", ticket_id))
    if status == "new":
        return [[(BUTTON_CLAIM, pack(PREFIX, "claim", ticket_id)), details]]
    if status not in ("assigned", "in_progress", "pending"):
        return [[details]]
    first = []
    if status in ("assigned", "pending"):
        first.append((BUTTON_START, pack(PREFIX, "start", ticket_id)))
    if status != "pending":
        first.append((BUTTON_PEND, pack(PREFIX, "pend", ticket_id)))
    first.append((BUTTON_RESOLVE, pack(PREFIX, "resolve", ticket_id)))
    return [first, [(BUTTON_REASSIGN, pack(PREFIX, "move", ticket_id)),
                    (BUTTON_ASK, pack(PREFIX, "ask", ticket_id)), details]]
