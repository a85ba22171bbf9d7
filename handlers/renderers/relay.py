"""Texts of the relay between technicians and reporters, and of internal notes."""

from __future__ import annotations

from handlers.callbacks import pack
from handlers.renderers.common import escape

PREFIX = "rl"

TO_REPORTER_REPLY = (
    "💬 <b>处理人回复</b>（工单 {number}，{name}）：\n{text}\n\n"
    "如需答复，请直接回复（引用）本消息。"
)
TO_REPORTER_QUESTION = (
    "❓ <b>处理人提问</b>（工单 {number}，{name}）：\n{text}\n\n"
    "工单暂时挂起，等待您的答复。请直接回复（引用）本消息，或点「回复处理人」。"
)
TO_ASSIGNEE_ANSWER = (
    "💬 工单 {number} 报修人 {name} 回复：\n{text}{resumed}\n\n"
    "直接回复（引用）本消息即可答复报修人；以「内部」开头则记为内部备注。"
)
RESUMED = "\n（报修人已答复，工单已恢复为处理中）"
TO_CLAIMER = (
    "👷 您已认领工单 {number}（{category}，报修人 {reporter}）。\n"
    "直接回复（引用）本消息即可给报修人留言；以「内部」开头则记为内部备注，报修人看不到。"
)
REPLY_SENT = "已发送给报修人（工单 {number}）。"
QUESTION_SENT = "已向报修人提问；工单 {number} 挂起为“等待用户”，报修人答复后自动恢复处理。"
NOTE_SAVED = "已记为工单 {number} 的内部备注（报修人看不到）。"
ANSWER_SENT = "已转给处理人（工单 {number}）。"
ANSWER_SAVED = "已记录您的补充（工单 {number}），处理人认领后会看到。"
ASK_QUESTION = "请输入要问报修人的问题（工单 {number}；发送 /cancel 放弃）："
ASK_ANSWER = "请输入您给处理人的答复（工单 {number}；发送 /cancel 放弃）："
ASK_IN_PRIVATE = "请到与机器人的私聊中输入问题（如未收到消息，请先私聊机器人发送 /start）。"
NO_RIGHT = "无权操作：只有报修人和该工单的处理人可以通过机器人交流。"
STALE = "该按钮已失效。"

BUTTON_ANSWER = "回复处理人"


def answer_rows(ticket_id: int) -> list[list[tuple[str, str]]]:
    return [[(BUTTON_ANSWER, pack(PREFIX, "ans", ticket_id))]]


def quoted(text: str, limit: int = 1500) -> str:
    """User text as it is passed on: trimmed, HTML-escaped."""
    text = text.strip()
    return escape(text if len(text) <= limit else text[: limit - 1] + "…")
