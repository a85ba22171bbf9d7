"""The emulator's world: users, chats, messages, pending updates and callback queries."""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.sandbox.errors import bad_request, upgraded
from bot.sandbox.files import FileStore
from bot.sandbox.notifier import Notifier

DEFAULT_UPDATE_TYPES = frozenset({"message", "edited_message", "callback_query", "my_chat_member"})


@dataclass
class SandboxUser:
    """A Telegram user who can talk to the bot."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str = "zh-hans"
    blocked: bool = False
    started: bool = True

    def to_api(self) -> dict[str, Any]:
        """Return the User object."""
        user: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key):
                user[key] = getattr(self, key)
        return user

    @property
    def full_name(self) -> str:
        """Return first and last name as one display name."""
        return f"{self.first_name} {self.last_name}" if self.last_name else self.first_name


@dataclass
class SandboxChat:
    """A private chat with the bot or a group the bot is in."""

    id: int
    type: str
    title: str | None = None
    member_ids: list[int] = field(default_factory=list)
    user: SandboxUser | None = None
    version: int = 0
    next_message_id: int = 1
    reply_keyboard: dict[str, Any] | None = None
    migrated_to: int | None = None  # a group upgraded to this supergroup

    def to_api(self) -> dict[str, Any]:
        """Return the Chat object as it appears inside a Message."""
        if self.user is not None:
            chat = {k: v for k, v in self.user.to_api().items() if k != "language_code"}
            chat.pop("is_bot")
            return {**chat, "type": "private"}
        return {"id": self.id, "type": self.type, "title": self.title}


@dataclass
class StoredMessage:
    """A message in a chat transcript, in its current (edited) version."""

    message: dict[str, Any]
    from_bot: bool
    edit_version: int = 0
    deleted: bool = False
    changed_at: int = 0

    @property
    def message_id(self) -> int:
        """Return the message id."""
        return int(self.message["message_id"])

    def snapshot(self) -> dict[str, Any]:
        """Return a copy of the message with transcript flags added."""
        data = copy.deepcopy(self.message)
        data.update(edit_version=self.edit_version, deleted=self.deleted)
        data["from_bot"] = self.from_bot
        return data


class SandboxState:
    """Everything the emulator remembers, shared by the Bot API side and the user side."""

    def __init__(self, bot_user: dict[str, Any], now: Callable[[], datetime] | None) -> None:
        self.bot_user = bot_user
        self._now = now or (lambda: datetime.now(UTC))
        self.users: dict[int, SandboxUser] = {}
        self.chats: dict[int, SandboxChat] = {}
        self.transcripts: dict[int, list[StoredMessage]] = {}
        self.files = FileStore()
        self.updates: list[dict[str, Any]] = []
        self.allowed_updates = DEFAULT_UPDATE_TYPES
        self.callback_queries: dict[str, dict[str, Any]] = {}
        self.callback_answers: dict[str, dict[str, Any]] = {}
        self.commands: dict[str, list[dict[str, Any]]] = {}
        self.update_signal = Notifier()
        self.changes = Notifier()
        self._update_ids = itertools.count(1)
        self._query_ids = itertools.count(1)

    def timestamp(self) -> int:
        """Return the current Unix time from the emulator's clock."""
        return int(self._now().timestamp())

    def add_user(self, user: SandboxUser) -> SandboxUser:
        """Register a user and its private chat with the bot."""
        self.users[user.id] = user
        self.chats[user.id] = SandboxChat(id=user.id, type="private", user=user)
        self.transcripts.setdefault(user.id, [])
        return user

    def add_group(self, chat_id: int, title: str, member_ids: list[int], kind: str) -> None:
        """Register a group chat the bot is a member of."""
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        self.chats[chat_id] = SandboxChat(chat_id, kind, title, list(member_ids))
        self.transcripts.setdefault(chat_id, [])

    def chat(self, chat_id: int | str) -> SandboxChat:
        """Return a chat by id or @username, or raise 400 chat not found."""
        if isinstance(chat_id, str):
            name = chat_id.removeprefix("@").lower()
            for user in self.users.values():
                if (user.username or "").lower() == name:
                    return self.chats[user.id]
            raise bad_request("chat not found")
        if chat_id not in self.chats:
            raise bad_request("chat not found")
        chat = self.chats[chat_id]
        if chat.migrated_to is not None:
            raise upgraded(chat.migrated_to)
        return chat

    def find(self, chat_id: int, message_id: int) -> StoredMessage | None:
        """Return a message of a chat by id, deleted ones included."""
        for stored in self.transcripts.get(chat_id, []):
            if stored.message_id == message_id:
                return stored
        return None

    def new_message(self, chat: SandboxChat, sender: dict[str, Any]) -> dict[str, Any]:
        """Return the skeleton of the next message in `chat`."""
        message_id = chat.next_message_id
        chat.next_message_id += 1
        return {
            "message_id": message_id,
            "from": sender,
            "chat": chat.to_api(),
            "date": self.timestamp(),
        }

    def store(self, chat_id: int, message: dict[str, Any], from_bot: bool) -> StoredMessage:
        """Append a message to its chat's transcript and announce the change."""
        stored = StoredMessage(message, from_bot)
        self.transcripts[chat_id].append(stored)
        self.touch(chat_id, stored)
        return stored

    def touch(self, chat_id: int, stored: StoredMessage | None = None) -> None:
        """Mark a chat (and optionally one message) as changed and wake page long polls."""
        version = self.changes.bump()
        self.chats[chat_id].version = version
        if stored is not None:
            stored.changed_at = version

    def enqueue(self, kind: str, payload: dict[str, Any]) -> dict[str, Any] | None:
        """Queue an update for getUpdates unless allowed_updates filters it out."""
        if kind not in self.allowed_updates:
            return None
        update = {"update_id": next(self._update_ids), kind: payload}
        self.updates.append(update)
        self.update_signal.bump()
        return update

    def new_query_id(self) -> str:
        """Return a fresh callback query id."""
        return f"{next(self._query_ids) + 4_000_000_000_000_000}"

    def set_allowed_updates(self, allowed: list[str] | None) -> None:
        """Remember allowed_updates like Telegram does (an empty list means the default)."""
        if allowed is None:
            return
        self.allowed_updates = frozenset(allowed) if allowed else DEFAULT_UPDATE_TYPES
