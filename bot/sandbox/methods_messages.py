"""Bot API methods that send, edit and delete messages and answer button presses."""

from __future__ import annotations

import copy
from typing import Any

from bot.sandbox.compose import (
    apply_markup,
    formatted,
    inline_markup,
    not_modified,
    replied_message,
    require,
    sendable_chat,
)
from bot.sandbox.errors import bad_request
from bot.sandbox.state import SandboxChat, SandboxState, StoredMessage

CONTENT_KEYS = ("text", "entities", "caption", "caption_entities", "reply_markup")
QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"


def deliver(
    state: SandboxState, chat: SandboxChat, params: dict[str, Any], content: dict[str, Any]
) -> dict[str, Any]:
    """Store a bot message built from `content` in `chat` and return the Message object."""
    markup = params.get("reply_markup")
    inline_markup(markup)
    reply = replied_message(state, chat, params)
    message = state.new_message(chat, state.bot_user)
    if reply is not None:
        message["reply_to_message"] = reply
    message.update({key: value for key, value in content.items() if value})
    apply_markup(chat, message, markup)
    state.store(chat.id, message, from_bot=True)
    return copy.deepcopy(message)


async def send_message(state: SandboxState, params: dict[str, Any]) -> dict[str, Any]:
    """sendMessage: post a text message."""
    chat = sendable_chat(state, params.get("chat_id"))
    text, entities = formatted(
        params.get("text"), params.get("parse_mode"), params.get("entities")
    )
    return deliver(state, chat, params, {"text": text, "entities": entities})


def editable(state: SandboxState, params: dict[str, Any]) -> tuple[SandboxChat, StoredMessage]:
    """Return the bot message an edit targets, or raise Telegram's 400."""
    if params.get("inline_message_id"):
        raise bad_request("inline message editing is not supported by the sandbox")
    chat = state.chat(require(params, "chat_id"))
    stored = state.find(chat.id, int(require(params, "message_id")))
    if stored is None or stored.deleted:
        raise bad_request("message to edit not found")
    if not stored.from_bot:
        raise bad_request("message can't be edited")
    return chat, stored


def commit_edit(
    state: SandboxState, chat: SandboxChat, stored: StoredMessage, new: dict[str, Any]
) -> dict[str, Any]:
    """Replace a message by its edited version unless nothing changed."""
    before = {key: stored.message.get(key) or None for key in CONTENT_KEYS}
    after = {key: new.get(key) or None for key in CONTENT_KEYS}
    if before == after:
        raise not_modified()
    new["edit_date"] = state.timestamp()
    stored.message = new
    stored.edit_version += 1
    state.touch(chat.id, stored)
    return copy.deepcopy(new)


def _with(message: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """Return a copy of message with fields set, dropping those whose value is empty."""
    new = copy.deepcopy(message)
    for key, value in fields.items():
        if value:
            new[key] = value
        else:
            new.pop(key, None)
    return new


async def edit_message_text(state: SandboxState, params: dict[str, Any]) -> dict[str, Any]:
    """editMessageText: replace the text (and keyboard) of a bot message."""
    chat, stored = editable(state, params)
    if "text" not in stored.message:
        raise bad_request("there is no text in the message to edit")
    text, entities = formatted(
        params.get("text"), params.get("parse_mode"), params.get("entities")
    )
    markup = inline_markup(params.get("reply_markup"))
    new = _with(stored.message, text=text, entities=entities, reply_markup=markup)
    return commit_edit(state, chat, stored, new)


async def edit_message_caption(state: SandboxState, params: dict[str, Any]) -> dict[str, Any]:
    """editMessageCaption: replace the caption (and keyboard) of a bot media message."""
    chat, stored = editable(state, params)
    if "text" in stored.message:
        raise bad_request("there is no caption in the message to edit")
    caption, entities = formatted(
        params.get("caption"),
        params.get("parse_mode"),
        params.get("caption_entities"),
        caption=True,
    )
    markup = inline_markup(params.get("reply_markup"))
    new = _with(stored.message, caption=caption, caption_entities=entities, reply_markup=markup)
    return commit_edit(state, chat, stored, new)


async def edit_message_reply_markup(state: SandboxState, params: dict[str, Any]) -> dict[str, Any]:
    """editMessageReplyMarkup: replace or remove the inline keyboard of a bot message."""
    chat, stored = editable(state, params)
    markup = inline_markup(params.get("reply_markup"))
    return commit_edit(state, chat, stored, _with(stored.message, reply_markup=markup))


async def delete_message(state: SandboxState, params: dict[str, Any]) -> bool:
    """deleteMessage: mark a message deleted in the transcript."""
    chat = state.chat(require(params, "chat_id"))
    stored = state.find(chat.id, int(require(params, "message_id")))
    if stored is None or stored.deleted:
        raise bad_request("message to delete not found")
    stored.deleted = True
    state.touch(chat.id, stored)
    return True


async def answer_callback_query(state: SandboxState, params: dict[str, Any]) -> bool:
    """answerCallbackQuery: record the answer so tests and the web page can show it."""
    query_id = str(require(params, "callback_query_id"))
    if query_id not in state.callback_queries or query_id in state.callback_answers:
        raise bad_request(QUERY_INVALID)
    text = params.get("text")
    if text and len(str(text)) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    state.callback_answers[query_id] = {
        "callback_query_id": query_id,
        "text": text,
        "show_alert": bool(params.get("show_alert")),
        "url": params.get("url"),
        "cache_time": params.get("cache_time"),
        "date": state.timestamp(),
    }
    state.changes.bump()
    return True


FORWARDED_KEYS = (
    "text",
    "entities",
    "photo",
    "document",
    "sticker",
    "voice",
    "caption",
    "caption_entities",
)


def _source(state: SandboxState, params: dict[str, Any]) -> StoredMessage:
    """Return the message a forward or copy refers to."""
    source_chat = state.chat(require(params, "from_chat_id"))
    stored = state.find(source_chat.id, int(require(params, "message_id")))
    if stored is None or stored.deleted:
        raise bad_request("message to forward not found")
    return stored


async def forward_message(state: SandboxState, params: dict[str, Any]) -> dict[str, Any]:
    """forwardMessage: repost a message with its origin."""
    chat = sendable_chat(state, params.get("chat_id"))
    stored = _source(state, params)
    content = {key: stored.message[key] for key in FORWARDED_KEYS if key in stored.message}
    sender = stored.message["from"]
    origin = {"type": "user", "sender_user": sender, "date": stored.message["date"]}
    content["forward_origin"] = origin
    return deliver(state, chat, {"chat_id": chat.id}, content)


async def copy_message(state: SandboxState, params: dict[str, Any]) -> dict[str, Any]:
    """copyMessage: repost a message's content without a link to the original."""
    chat = sendable_chat(state, params.get("chat_id"))
    stored = _source(state, params)
    content = {key: stored.message[key] for key in FORWARDED_KEYS if key in stored.message}
    if params.get("caption") is not None and "text" not in content:
        content.update(
            zip(
                ("caption", "caption_entities"),
                formatted(
                    params["caption"],
                    params.get("parse_mode"),
                    params.get("caption_entities"),
                    caption=True,
                ),
                strict=True,
            )
        )
    message = deliver(state, chat, params, content)
    return {"message_id": message["message_id"]}


METHODS = {
    "forwardmessage": forward_message,
    "copymessage": copy_message,
    "sendmessage": send_message,
    "editmessagetext": edit_message_text,
    "editmessagecaption": edit_message_caption,
    "editmessagereplymarkup": edit_message_reply_markup,
    "deletemessage": delete_message,
    "answercallbackquery": answer_callback_query,
}
