"""Texts and the button of a ticket's attachments (「查看附件」)."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from bot.models import TicketAttachment
from handlers.callbacks import pack
from handlers.renderers.common import escape, trim
from handlers.renderers.report import local

PREFIX = "att"

BUTTON_VIEW = "📎 查看附件（{count}）"
KIND_LABELS = {"photo": "照片", "document": "文件"}
LIST_HEAD = "\n\n<b>附件</b>（{count} 个，点「查看附件」发到您的私聊）\n"
LIST_LINE = "{index}. {kind}{name} · {at}"
CAPTION = "工单 {number} 的附件 {index}/{count}：{kind}{name}"
SENT = "已把 {count} 个附件发到您的私聊。"
NONE = "该工单没有附件。"
NO_RIGHT = "无权查看该工单的附件。"
STALE = "该按钮已失效。"
START_FIRST = "请先私聊机器人发送 /start，再点「查看附件」。"
SEND_FAILED = "附件发送失败，请稍后重试。"
ADDED = "已为工单 {number} 补充附件（共 {count} 个），已通知处理人。"
ADDED_UNCLAIMED = "已为工单 {number} 补充附件（共 {count} 个），已通知支持组。"
ONLY_REPORTER = "只有报修人可以为工单补充附件。如需给报修人发送图片，请直接在对话中说明。"
TO_STAFF = "📎 报修人 {name} 为工单 {number} 补充了{kind}{name_of_file}（共 {count} 个附件）。"
TO_STAFF_SAID = "\n说明：{text}"
MEDIA_HINT = ("如需为已提交的工单补充图片或文件，请“回复（引用）”该工单的任一消息发送，"
              "或先发送 /ticket 工单号，再回复其详情消息。报修新问题请发送 /report。")


def view_row(ticket_id: int, count: int) -> list[tuple[str, str]]:
    """The 「查看附件」 button of a ticket with `count` attachments."""
    return [(BUTTON_VIEW.format(count=count), pack(PREFIX, "show", ticket_id))]


def _name(attachment: TicketAttachment) -> str:
    return f"「{escape(trim(attachment.file_name, 60))}」" if attachment.file_name else ""


def listing(attachments: Sequence[TicketAttachment], tz: ZoneInfo) -> str:
    """The attachments' lines under a ticket's detail ("" if none)."""
    if not attachments:
        return ""
    lines = [LIST_LINE.format(index=i, kind=KIND_LABELS.get(a.kind, a.kind), name=_name(a),
                              at=local(a.added_at, tz))
             for i, a in enumerate(attachments, 1)]
    return LIST_HEAD.format(count=len(attachments)) + "\n".join(lines)


def added(number: str, name: str, kind: str, file_name: str, count: int,
          caption: str = "") -> str:
    """The note to the assignee (or the team) that the reporter added a file (a caption for
    a photo: at most CAPTION_LIMIT characters)."""
    shown = f"「{escape(trim(file_name, 60))}」" if file_name else ""
    said = TO_STAFF_SAID.format(text=escape(trim(" ".join(caption.split()), 600))) \
        if caption else ""
    return TO_STAFF.format(name=escape(name), number=number, kind=KIND_LABELS.get(kind, kind),
                           name_of_file=shown, count=count) + said


def caption(number: str, attachment: TicketAttachment, index: int, count: int) -> str:
    return CAPTION.format(number=number, index=index, count=count,
                          kind=KIND_LABELS.get(attachment.kind, attachment.kind),
                          name=_name(attachment))
