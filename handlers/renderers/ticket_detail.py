"""A ticket's details and history, and the reporter's list of tickets."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.lifecycle import CLOSED, NEW, RESOLVED, STATUS_LABELS
from bot.models import Ticket, TicketEvent
from bot.priority import IMPACT_LABELS, PRIORITY_LABELS, URGENCY_LABELS
from handlers.callbacks import pack
from handlers.renderers import attachments as attachment_texts
from handlers.renderers.common import MESSAGE_LIMIT, escape, trim
from handlers.renderers.limits import visible_length
from handlers.renderers.report import local

PREFIX = "tr"

NOT_FOUND = "未找到工单 {number}。请检查工单号（格式如 2611-0042），或发送 /my 查看您的工单。"
NOT_A_NUMBER = "请在命令后写工单号，例如：/ticket 2611-0042"
NO_RIGHT = "无权查看该工单。"
STALE = "该按钮已失效。"
NO_TICKETS = "您还没有工单。发送 /report 可以报修。"
MY_HEADER = "<b>我的工单</b>（未完成的在前，最新的在前）\n"
MY_LINE = "{number} · {status} · {category}\n   {summary}"
MY_FOOTER = "\n发送 /ticket 工单号 查看详情。"
DETAIL = (
    "<b>工单 {number}</b> · {priority}\n"
    "状态：<b>{status}</b>{pending}\n"
    "分类：{category}（{team}）\n"
    "报修人：{reporter}（{unit}）\n"
    "处理人：{assignee}\n"
    "影响：{impact} · {urgency}\n"
    "提交时间：{created}\n"
    "响应时限：{response_due}\n"
    "解决时限：{resolution_due}\n"
    "{resolution}"
    "\n问题描述：\n{description}{files}\n\n<b>处理记录</b>\n{history}"
)
EVENT_LABELS = {
    "created": "提交报修", "claim": "认领", "assign": "指派", "start": "开始处理",
    "pend": "挂起", "resume": "恢复处理", "resolve": "标记已解决", "confirm": "确认已解决",
    "auto_close": "自动关闭", "reopen": "重新打开", "cancel": "撤销", "comment": "补充说明",
    "note": "内部备注", "attachment": "添加附件", "rating": "评价", "return_to_queue": "退回队列",
    "reply": "处理人回复", "urge": "督办", "reassign": "转派", "sla": "时限调整",
    "priority": "调整优先级",
}
REPORTER_HIDDEN = ("note", "sla", "urge")
BUTTON_CANCEL = "撤销工单"
BUTTON_CONFIRM = "已解决"
BUTTON_REOPEN = "未解决"
BUTTON_REOPEN_CLOSED = "重新打开"
STARS = "⭐"
HISTORY_PREFIX = "th"
HISTORY_LINES = 25  # at most this many history lines in one message
HISTORY_RESERVE = 64  # room for the 「更多…」 line under the history
HISTORY_MORE = "……更早的 {count} 条记录未显示，点「更多…」查看。"
HISTORY_PAGE = "<b>工单 {number} 的更早处理记录</b>\n"
BUTTON_MORE = "更多…"


def my_tickets(tickets: Sequence[Ticket]) -> str:
    if not tickets:
        return NO_TICKETS
    lines = [MY_LINE.format(number=t.number, status=STATUS_LABELS[t.status],
                            category=escape(t.category.name),
                            summary=escape(trim(" ".join(t.description.split()), 40)))
             for t in tickets]
    return MY_HEADER + "\n".join(lines) + MY_FOOTER


def history_lines(events: Sequence[TicketEvent], tz: ZoneInfo, for_reporter: bool
                  ) -> list[str]:
    """One line per event the viewer may see, oldest first."""
    lines = []
    for event in events:
        if for_reporter and event.kind in REPORTER_HIDDEN:
            continue
        who = escape(event.actor.name) if event.actor else "系统"
        label = EVENT_LABELS.get(event.kind, event.kind)
        note = f"：{escape(trim(event.note, 200))}" if event.note else ""
        lines.append(f"· {local(event.at, tz)} {who} {label}{note}")
    return lines


def newest_that_fit(lines: Sequence[str], budget: int) -> list[str]:
    """The newest lines (at most HISTORY_LINES) whose visible length fits `budget`."""
    kept: list[str] = []
    for line in reversed(lines):
        cost = visible_length(line) + 1
        if len(kept) == HISTORY_LINES or cost > budget:
            break
        kept.append(line)
        budget -= cost
    return kept[::-1]


@dataclass(frozen=True)
class DetailPage:
    """A ticket's detail (or an older part of its history) and the 「更多…」 button, if any."""

    text: str
    rows: list[list[tuple[str, str]]]


def detail(ticket: Ticket, events: Sequence[TicketEvent], tz: ZoneInfo,
           for_reporter: bool) -> DetailPage:
    """The detail with as much of the newest history as fits one message."""
    resolution = ""
    if ticket.resolution:
        resolution = f"解决方案：{escape(trim(ticket.resolution, 800))}\n"
    if ticket.rating:
        resolution += f"评价：{STARS * ticket.rating}\n"
    pending = f"（{escape(ticket.pending_reason)}）" if ticket.pending_reason else ""
    head = DETAIL.format(
        number=ticket.number, priority=PRIORITY_LABELS[ticket.priority],
        status=STATUS_LABELS[ticket.status], pending=pending,
        category=escape(ticket.category.name), team=escape(ticket.team.name),
        reporter=escape(ticket.reporter.name), unit=escape(ticket.reporter_unit or "未填写"),
        assignee=escape(ticket.assignee.name) if ticket.assignee else "（待认领）",
        impact=IMPACT_LABELS[ticket.impact], urgency=URGENCY_LABELS[ticket.urgency],
        created=local(ticket.created_at, tz),
        response_due=local(ticket.response_due_at, tz) if ticket.response_due_at else "—",
        resolution_due=local(ticket.resolution_due_at, tz) if ticket.resolution_due_at else "—",
        resolution=resolution, description=escape(trim(ticket.description, 1500)),
        files=attachment_texts.listing(ticket.attachments, tz),
        history="",
    )
    return _with_history(head, ticket.id, history_lines(events, tz, for_reporter))


def older_history(ticket: Ticket, events: Sequence[TicketEvent], tz: ZoneInfo,
                  for_reporter: bool, shown: int) -> DetailPage:
    """The history before the `shown` newest lines, as much as fits, with 「更多…」 again."""
    lines = history_lines(events, tz, for_reporter)
    older = lines[: max(len(lines) - shown, 0)]
    return _with_history(HISTORY_PAGE.format(number=ticket.number), ticket.id, older,
                         len(lines) - len(older))


def _with_history(head: str, ticket_id: int, lines: Sequence[str], shown: int = 0
                  ) -> DetailPage:
    budget = MESSAGE_LIMIT - visible_length(head) - HISTORY_RESERVE
    kept = newest_that_fit(lines, budget)
    hidden = len(lines) - len(kept)
    text = head + ("\n".join(kept) or "（暂无）")
    if not hidden:
        return DetailPage(text, [])
    more = pack(HISTORY_PREFIX, "more", ticket_id, shown + len(kept))
    return DetailPage(text + "\n" + HISTORY_MORE.format(count=hidden),
                      [[(BUTTON_MORE, more)]])


def reporter_rows(ticket: Ticket, can_reopen_closed: bool) -> list[list[tuple[str, str]]]:
    """What the reporter can do with their ticket now."""
    if ticket.status == NEW:
        return [[(BUTTON_CANCEL, pack(PREFIX, "cancel", ticket.id))]]
    if ticket.status == RESOLVED:
        return [[(BUTTON_CONFIRM, pack(PREFIX, "ok", ticket.id)),
                 (BUTTON_REOPEN, pack(PREFIX, "reopen", ticket.id))]]
    rows = []
    if ticket.status == CLOSED and ticket.rating is None:
        rows.append(rating_row(ticket))
    if ticket.status == CLOSED and can_reopen_closed:
        rows.append([(BUTTON_REOPEN_CLOSED, pack(PREFIX, "reopen", ticket.id))])
    return rows


def rating_row(ticket: Ticket) -> list[tuple[str, str]]:
    return [(f"{n}{STARS}", pack(PREFIX, "rate", ticket.id, n)) for n in range(1, 6)]
