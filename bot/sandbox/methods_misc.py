"""Bot API methods about the bot itself, commands and chats."""

from __future__ import annotations

import json
import re
from typing import Any

from bot.sandbox.compose import require, sendable_chat
from bot.sandbox.errors import bad_request
from bot.sandbox.state import SandboxState

COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
NO_GIFTS = {
    "unlimited_gifts": False,
    "limited_gifts": False,
    "unique_gifts": False,
    "premium_subscription": False,
    "gifts_from_channels": False,
}
ALWAYS_TRUE = (
    "close",
    "logout",
    "setwebhook",
    "setmydescription",
    "setmyshortdescription",
    "setmyname",
    "setchatmenubutton",
    "setmydefaultadministratorrights",
    "pinchatmessage",
    "unpinchatmessage",
    "setmessagereaction",
)


async def get_me(state: SandboxState, params: dict[str, Any]) -> dict[str, Any]:
    """getMe: describe the bot."""
    return {
        **state.bot_user,
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


async def delete_webhook(state: SandboxState, params: dict[str, Any]) -> bool:
    """deleteWebhook: nothing to delete; optionally drop pending updates."""
    if params.get("drop_pending_updates"):
        state.updates.clear()
    return True


async def get_webhook_info(state: SandboxState, params: dict[str, Any]) -> dict[str, Any]:
    """getWebhookInfo: no webhook is ever set."""
    return {"url": "", "has_custom_certificate": False, "pending_update_count": len(state.updates)}


def _commands_key(params: dict[str, Any]) -> str:
    """Return the storage key for a (scope, language_code) pair."""
    scope = params.get("scope") or {"type": "default"}
    return json.dumps([scope, params.get("language_code") or ""], sort_keys=True)


async def set_my_commands(state: SandboxState, params: dict[str, Any]) -> bool:
    """setMyCommands: store the command list for a scope and language."""
    commands = require(params, "commands")
    if not isinstance(commands, list) or len(commands) > 100:
        raise bad_request("commands must be a list of at most 100 BotCommand")
    for command in commands:
        name = str(command.get("command", "")).removeprefix("/")
        description = str(command.get("description", ""))
        if not COMMAND_RE.match(name) or not 1 <= len(description) <= 256:
            raise bad_request("BOT_COMMAND_INVALID")
    state.commands[_commands_key(params)] = [
        {"command": str(c["command"]).removeprefix("/"), "description": c["description"]}
        for c in commands
    ]
    return True


async def get_my_commands(state: SandboxState, params: dict[str, Any]) -> list[dict[str, Any]]:
    """getMyCommands: return the command list stored for a scope and language."""
    return list(state.commands.get(_commands_key(params), []))


async def delete_my_commands(state: SandboxState, params: dict[str, Any]) -> bool:
    """deleteMyCommands: forget the command list of a scope and language."""
    state.commands.pop(_commands_key(params), None)
    return True


async def send_chat_action(state: SandboxState, params: dict[str, Any]) -> bool:
    """sendChatAction: accepted and otherwise ignored."""
    sendable_chat(state, params.get("chat_id"))
    require(params, "action")
    return True


async def get_chat(state: SandboxState, params: dict[str, Any]) -> dict[str, Any]:
    """getChat: minimal ChatFullInfo."""
    chat = state.chat(require(params, "chat_id"))
    return {
        **chat.to_api(),
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": dict(NO_GIFTS),
    }


async def get_chat_member(state: SandboxState, params: dict[str, Any]) -> dict[str, Any]:
    """getChatMember: 'member' for members of the chat, 'left' for anyone else."""
    chat = state.chat(require(params, "chat_id"))
    user = state.users.get(int(require(params, "user_id")))
    if user is None:
        raise bad_request("user not found")
    member = user.id == chat.id or user.id in chat.member_ids
    return {"status": "member" if member else "left", "user": user.to_api()}


async def always_true(state: SandboxState, params: dict[str, Any]) -> bool:
    """Settings the sandbox accepts without effect."""
    return True


METHODS = {
    "getme": get_me,
    "deletewebhook": delete_webhook,
    "getwebhookinfo": get_webhook_info,
    "setmycommands": set_my_commands,
    "getmycommands": get_my_commands,
    "deletemycommands": delete_my_commands,
    "sendchataction": send_chat_action,
    "getchat": get_chat,
    "getchatmember": get_chat_member,
    **{name: always_true for name in ALWAYS_TRUE},
}
