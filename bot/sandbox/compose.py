"""Checks and building blocks shared by the Bot API methods that send or edit messages."""

from __future__ import annotations

import copy
import logging
from typing import Any

from bot.sandbox.errors import ApiError, bad_request, forbidden
from bot.sandbox.html_check import parse_html
from bot.sandbox.state import SandboxChat, SandboxState

logger = logging.getLogger(__name__)

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
MAX_INLINE_BUTTONS = 100
BUTTON_KINDS = ("callback_data", "url", "switch_inline_query", "login_url", "web_app", "pay")


def sendable_chat(state: SandboxState, chat_id: Any) -> SandboxChat:
    """Return the chat the bot wants to write to, or raise Telegram's 400/403."""
    if chat_id is None or chat_id == "":
        raise bad_request("chat_id is empty")
    chat = state.chat(chat_id)
    if chat.user is not None:
        if chat.user.blocked:
            raise forbidden("bot was blocked by the user")
        if not chat.user.started:
            raise forbidden("bot can't initiate conversation with a user")
    return chat


def formatted(
    text: Any, parse_mode: Any, entities: Any, *, caption: bool = False
) -> tuple[str, list[dict[str, Any]]]:
    """Parse a text or caption per parse_mode and enforce Telegram's length rules."""
    raw = "" if text is None else str(text)
    if parse_mode and str(parse_mode).upper() == "HTML":
        plain, found = parse_html(raw)
    else:
        if parse_mode:
            logger.warning("parse_mode %s is not emulated: text kept verbatim", parse_mode)
        plain, found = raw, list(entities or [])
    limit = MAX_CAPTION if caption else MAX_TEXT
    if len(plain) > limit:
        raise bad_request("message caption is too long" if caption else "message is too long")
    if not caption and not plain.strip():
        raise bad_request("message text is empty")
    return plain, found


def inline_markup(markup: Any) -> dict[str, Any] | None:
    """Validate reply_markup; return it if it is an inline keyboard (the only kind echoed)."""
    if not markup:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    rows = markup.get("inline_keyboard")
    if rows is None:
        return None
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array')
    for row in rows:
        for button in row:
            _check_button(button)
    if sum(len(row) for row in rows) > MAX_INLINE_BUTTONS:
        raise bad_request("reply markup is too long")
    cleaned = [row for row in rows if row]
    return {"inline_keyboard": copy.deepcopy(cleaned)} if cleaned else None


def _check_button(button: Any) -> None:
    """Reject an inline button Telegram would reject."""
    if not isinstance(button, dict) or not button.get("text"):
        raise bad_request("can't parse inline keyboard button: Text must be non-empty")
    if not any(kind in button for kind in BUTTON_KINDS):
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    data = button.get("callback_data")
    if data is not None and (not str(data) or len(str(data).encode("utf-8")) > MAX_CALLBACK_DATA):
        raise bad_request("BUTTON_DATA_INVALID")


def reply_keyboard(markup: Any) -> dict[str, Any] | None | bool:
    """Return a reply keyboard to show, None to remove it, or False to leave it unchanged."""
    if not isinstance(markup, dict):
        return False
    if "keyboard" in markup:
        return copy.deepcopy(markup)
    if markup.get("remove_keyboard"):
        return None
    return False


def replied_message(
    state: SandboxState, chat: SandboxChat, params: dict[str, Any]
) -> dict[str, Any] | None:
    """Return the message being replied to, honouring reply_parameters and reply_to_message_id."""
    reply = params.get("reply_parameters") or {}
    message_id = reply.get("message_id", params.get("reply_to_message_id"))
    if message_id is None:
        return None
    allow = reply.get("allow_sending_without_reply", params.get("allow_sending_without_reply"))
    target_chat = reply.get("chat_id", chat.id)
    stored = state.find(int(target_chat), int(message_id)) if target_chat == chat.id else None
    if stored is None or stored.deleted:
        if allow:
            return None
        raise bad_request("message to be replied not found")
    parent = copy.deepcopy(stored.message)
    parent.pop("reply_to_message", None)
    return parent


def apply_markup(chat: SandboxChat, message: dict[str, Any], markup: Any) -> None:
    """Attach an inline keyboard to the message or update the chat's reply keyboard."""
    inline = inline_markup(markup)
    if inline is not None:
        message["reply_markup"] = inline
    keyboard = reply_keyboard(markup)
    if keyboard is not False:
        chat.reply_keyboard = keyboard


def require(params: dict[str, Any], name: str) -> Any:
    """Return a required parameter or raise Telegram's 400 for a missing one."""
    value = params.get(name)
    if value is None or value == "":
        raise bad_request(f"{name} is empty")
    return value


def not_modified() -> ApiError:
    """Return Telegram's error for an edit that changes nothing."""
    return bad_request(
        "message is not modified: specified new message content and reply markup are exactly "
        "the same as a current content and reply markup of the message"
    )
