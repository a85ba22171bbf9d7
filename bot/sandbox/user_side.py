"""The human side of the sandbox: users write, upload and press buttons; tests read transcripts."""

from __future__ import annotations

import copy
import re
from typing import Any

from bot.sandbox.html_check import utf16_len
from bot.sandbox.state import SandboxChat, SandboxState, SandboxUser

COMMAND_RE = re.compile(r"^/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")
MENTION_RE = re.compile(r"@[A-Za-z0-9_]{5,32}")


def text_entities(text: str) -> list[dict[str, Any]]:
    """Return the bot_command and mention entities a Telegram client would attach."""
    entities: list[dict[str, Any]] = []
    command = COMMAND_RE.match(text)
    if command:
        entities.append({"type": "bot_command", "offset": 0, "length": command.end()})
    for mention in MENTION_RE.finditer(text):
        if command and mention.start() < command.end():
            continue
        offset = utf16_len(text[: mention.start()])
        entities.append({"type": "mention", "offset": offset, "length": utf16_len(mention[0])})
    return entities


class UserSide:
    """In-process API for acting as sandbox users and inspecting what the bot did."""

    def __init__(self, state: SandboxState, bot_username: str, privacy_mode: bool) -> None:
        self.state = state
        self.bot_username = bot_username
        self.privacy_mode = privacy_mode

    def add_user(
        self,
        user_id: int,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str = "zh-hans",
        *,
        started: bool = True,
    ) -> SandboxUser:
        """Add a user; with started=False the bot may not write first (403) until they do."""
        user = SandboxUser(user_id, first_name, last_name, username, language_code)
        user.started = started
        return self.state.add_user(user)

    def add_group(
        self, chat_id: int, title: str, member_ids: list[int], chat_type: str = "supergroup"
    ) -> None:
        """Add a group chat (negative id) with the bot and these members in it."""
        self.state.add_group(chat_id, title, member_ids, chat_type)

    def upgrade_group(self, chat_id: int, new_chat_id: int, by_user_id: int) -> None:
        """A member upgrades a group to a supergroup, as Telegram does it: the bot gets a
        service message `migrate_to_chat_id` in the old group and `migrate_from_chat_id` in
        the new one, and every later call on the old id answers 400 with
        migrate_to_chat_id (PTB raises ChatMigrated)."""
        user, old = self._origin(by_user_id, chat_id)
        if old.user is not None:
            raise ValueError("a private chat cannot be upgraded")
        if new_chat_id in self.state.chats:
            raise ValueError(f"chat {new_chat_id} exists already")
        self._service(user, old, {"migrate_to_chat_id": new_chat_id})
        self.state.add_group(new_chat_id, old.title or "", old.member_ids, "supergroup")
        self._service(user, self.state.chats[new_chat_id], {"migrate_from_chat_id": chat_id})
        old.migrated_to = new_chat_id

    def _service(self, user: SandboxUser, chat: SandboxChat, content: dict[str, Any]) -> None:
        """A service message: stored, and seen by the bot whatever its privacy mode."""
        message = self.state.new_message(chat, user.to_api())
        message.update(content)
        self.state.store(chat.id, message, from_bot=False)
        self.state.enqueue("message", copy.deepcopy(message))

    def has_user(self, user_id: int) -> bool:
        """Return True if the user was added."""
        return user_id in self.state.users

    def has_chat(self, chat_id: int) -> bool:
        """Return True if a private chat or group with this id exists."""
        return chat_id in self.state.chats

    def set_blocked(self, user_id: int, blocked: bool = True) -> None:
        """Make the user block (or unblock) the bot: sends to them answer 403."""
        self.state.users[user_id].blocked = blocked

    def _origin(self, user_id: int, chat_id: int) -> tuple[SandboxUser, SandboxChat]:
        """Return the sender and chat, checking the sender may write there."""
        user = self.state.users.get(user_id)
        if user is None:
            raise KeyError(f"unknown sandbox user {user_id}; call add_user first")
        chat = self.state.chat(chat_id)
        if chat.user is not None and chat.id != user_id:
            raise ValueError(f"user {user_id} cannot write in the private chat {chat_id}")
        if chat.user is None and user_id not in chat.member_ids:
            raise ValueError(f"user {user_id} is not a member of group {chat_id}")
        return user, chat

    def _post(
        self, user_id: int, chat_id: int, content: dict[str, Any], reply_to: int | None
    ) -> dict[str, Any]:
        """Store a user's message and queue the update the bot will receive."""
        user, chat = self._origin(user_id, chat_id)
        message = self.state.new_message(chat, user.to_api())
        if reply_to is not None:
            parent = self.state.find(chat.id, reply_to)
            if parent is None or parent.deleted:
                raise LookupError(f"message {reply_to} not found in chat {chat_id}")
            message["reply_to_message"] = _without_reply(parent.message)
        message.update(content)
        if chat.user is not None:
            user.started, user.blocked = True, False
        self.state.store(chat.id, message, from_bot=False)
        if self._bot_sees(chat, message):
            self.state.enqueue("message", copy.deepcopy(message))
        return copy.deepcopy(message)

    def _bot_sees(self, chat: SandboxChat, message: dict[str, Any]) -> bool:
        """Apply privacy mode: in groups the bot then sees only commands, replies, mentions."""
        if not self.privacy_mode or chat.user is not None:
            return True
        text = message.get("text") or message.get("caption") or ""
        replied = message.get("reply_to_message", {}).get("from", {})
        return (
            text.startswith("/")
            or f"@{self.bot_username}".lower() in text.lower()
            or replied.get("id") == self.state.bot_user["id"]
        )

    async def send_text(
        self, user_id: int, chat_id: int, text: str, reply_to_message_id: int | None = None
    ) -> dict[str, Any]:
        """Send a text message as a user; a leading /command gets a bot_command entity."""
        content: dict[str, Any] = {"text": text}
        entities = text_entities(text)
        if entities:
            content["entities"] = entities
        return self._post(user_id, chat_id, content, reply_to_message_id)

    async def edit_text(self, user_id: int, chat_id: int, message_id: int, text: str
                        ) -> dict[str, Any]:
        """Edit a message the user sent: the transcript changes, the bot gets edited_message."""
        stored = self.state.find(chat_id, message_id)
        if stored is None or stored.deleted or stored.from_bot:
            raise LookupError(f"no message {message_id} of a user in chat {chat_id}")
        if stored.message["from"]["id"] != user_id:
            raise ValueError(f"user {user_id} did not write message {message_id}")
        message = copy.deepcopy(stored.message)
        message["text"] = text
        message.pop("entities", None)
        entities = text_entities(text)
        if entities:
            message["entities"] = entities
        message["edit_date"] = self.state.timestamp()
        stored.message = message
        stored.edit_version += 1
        self.state.touch(chat_id, stored)
        if self._bot_sees(self.state.chat(chat_id), message):
            self.state.enqueue("edited_message", copy.deepcopy(message))
        return copy.deepcopy(message)

    async def send_photo(
        self,
        user_id: int,
        chat_id: int,
        data: bytes,
        caption: str | None = None,
        filename: str = "photo.jpg",
        reply_to_message_id: int | None = None,
    ) -> dict[str, Any]:
        """Send a photo as a user."""
        stored = self.state.files.put(data, "photos", filename)
        content: dict[str, Any] = {"photo": stored.photo_sizes()}
        if caption:
            content["caption"] = caption
        return self._post(user_id, chat_id, content, reply_to_message_id)

    async def send_document(
        self,
        user_id: int,
        chat_id: int,
        data: bytes,
        filename: str = "document.pdf",
        caption: str | None = None,
        mime_type: str | None = None,
        reply_to_message_id: int | None = None,
    ) -> dict[str, Any]:
        """Send a file as a user."""
        stored = self.state.files.put(data, "documents", filename, mime_type)
        content: dict[str, Any] = {"document": stored.document()}
        if caption:
            content["caption"] = caption
        return self._post(user_id, chat_id, content, reply_to_message_id)

    async def send_sticker(self, user_id: int, chat_id: int, emoji: str = "👍") -> dict[str, Any]:
        """Send a sticker as a user."""
        stored = self.state.files.put(b"RIFF0000WEBP", "documents", "sticker.webp", "image/webp")
        sticker = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
        return self._post(user_id, chat_id, {"sticker": sticker}, None)

    async def send_voice(
        self, user_id: int, chat_id: int, data: bytes = b"OggS\x00", duration: int = 3
    ) -> dict[str, Any]:
        """Send a voice note as a user."""
        stored = self.state.files.put(data, "documents", "voice.ogg", "audio/ogg")
        voice = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": len(data),
        }
        return self._post(user_id, chat_id, {"voice": voice}, None)

    async def press_button(
        self,
        user_id: int,
        chat_id: int,
        message_id: int,
        callback_data: str,
        *,
        strict: bool = True,
    ) -> str:
        """Press an inline button as a user and return the callback query id.

        With strict=False the data need not be on the message (to test forged presses).
        """
        user = self.state.users[user_id]
        stored = self.state.find(chat_id, message_id)
        if stored is None or stored.deleted:
            raise LookupError(f"message {message_id} not found in chat {chat_id}")
        if strict and callback_data not in _callback_data(stored.message):
            raise LookupError(f"message {message_id} has no button with data {callback_data!r}")
        query_id = self.state.new_query_id()
        query = {
            "id": query_id,
            "from": user.to_api(),
            "message": copy.deepcopy(stored.message),
            "chat_instance": str(-abs(chat_id) * 31 - 7),
            "data": callback_data,
        }
        self.state.callback_queries[query_id] = query
        self.state.enqueue("callback_query", copy.deepcopy(query))
        return query_id


def _without_reply(message: dict[str, Any]) -> dict[str, Any]:
    """Return a copy of a message without its own reply_to_message (Telegram nests one level)."""
    parent = copy.deepcopy(message)
    parent.pop("reply_to_message", None)
    return parent


def _callback_data(message: dict[str, Any]) -> set[str]:
    """Return the callback_data of every inline button on a message."""
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])
    return {str(b["callback_data"]) for row in rows for b in row if "callback_data" in b}
