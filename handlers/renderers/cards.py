"""The ticket card posted to a team's group, and the reporter's notifications."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.lifecycle import STATUS_LABELS
from bot.models import Ticket
from bot.priority import IMPACT_LABELS, PRIORITY_LABELS, URGENCY_LABELS
from handlers.callbacks import pack
from handlers.renderers.common import escape, trim
from handlers.renderers.report import local

PREFIX = "tk"

CARD = (
    "🆕 <b>工单 {number}</b> · {priority}\n"
    "分类：{category}\n"
    "报修人：{reporter}（{unit}）\n"
    "影响：{impact} · {urgency}\n"
    "响应时限：{response_due}\n"
    "解决时限：{resolution_due}\n"
    "状态：<b>{status}</b>{assignee}{files}\n\n"
    "{description}"
)
BUTTON_CLAIM = "认领"
BUTTON_DETAILS = "详情"


def card_text(ticket: Ticket, tz: ZoneInfo) -> str:
    """The card's text: everything a technician needs to decide to claim."""
    assignee = f"（处理人：{escape(ticket.assignee.name)}）" if ticket.assignee else ""
    files = f"\n附件：{len(ticket.attachments)} 个" if ticket.attachments else ""
    return CARD.format(
        number=ticket.number, priority=PRIORITY_LABELS[ticket.priority],
        category=escape(ticket.category.name), reporter=escape(ticket.reporter.name),
        unit=escape(ticket.reporter_unit or "未填写"), impact=IMPACT_LABELS[ticket.impact],
        urgency=URGENCY_LABELS[ticket.urgency],
        response_due=local(ticket.response_due_at, tz) if ticket.response_due_at else "—",
        resolution_due=local(ticket.resolution_due_at, tz) if ticket.resolution_due_at else "—",
        status=STATUS_LABELS[ticket.status], assignee=assignee, files=files,
        description=escape(trim(ticket.description, 600)),
    )


def card_rows(ticket: Ticket) -> list[list[tuple[str, str]]]:
    """A new ticket's buttons: claim it, or see the details."""
    return [[(BUTTON_CLAIM, pack(PREFIX, "claim", ticket.id)),
             (BUTTON_DETAILS, pack(PREFIX, "info", ticket.id))]]
