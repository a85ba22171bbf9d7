"""The people one can act as on the sandbox web page."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Persona:
    """A sandbox user: who they are and which chats they see.

    `chats` lists (chat_id, title): the private chat with the bot (chat_id == telegram_id)
    and the team group chats (negative ids) the persona is a member of.
    """

    telegram_id: int
    name: str
    role_label: str
    chats: list[tuple[int, str]] = field(default_factory=list)
    username: str | None = None

    def to_json(self) -> dict[str, Any]:
        """Return the persona as the page's JSON API shows it."""
        return {
            "telegram_id": self.telegram_id,
            "name": self.name,
            "role_label": self.role_label,
            "chats": [{"chat_id": chat_id, "title": title} for chat_id, title in self.chats],
        }

    def sees(self, chat_id: int) -> bool:
        """Return True if the chat is in this persona's chat list."""
        return any(known == chat_id for known, _title in self.chats)
