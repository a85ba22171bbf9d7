"""Shared rendering helpers: HTML escaping and Telegram's length limits."""

from __future__ import annotations

import html

MESSAGE_LIMIT = 4096
CALLBACK_DATA_LIMIT = 64

BUSY = "系统繁忙，请稍后再试。您刚才的操作没有丢失，可以稍后重新发送。"
TOO_BUSY = "操作过于频繁，请稍后再试。"
UNKNOWN_COMMAND = "未知命令 {command}。发送 /help 查看您可以使用的命令。"
UNSUPPORTED_MESSAGE = "暂不支持此类消息。请用文字描述您的问题，或发送 /help 查看可用命令。"
TEXT_EXPECTED = "请发送文字。如需退出当前操作，请发送 /cancel。"
CANCELLED = "已取消当前操作。"
NOTHING_TO_CANCEL = "当前没有进行中的操作。"
STALE_BUTTON = "该按钮已失效，请重新操作。"
PRIVATE_ONLY = "请在与机器人的私聊中使用此命令。"
EDIT_IGNORED = "已收到您的修改，但修改不会被重新处理；如需更正，请重新发送。"


def escape(text: object) -> str:
    """Escape user text for Telegram HTML."""
    return html.escape(str(text), quote=False)


def trim(text: str, limit: int) -> str:
    """Cut plain text to `limit` characters, marking the cut."""
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"

