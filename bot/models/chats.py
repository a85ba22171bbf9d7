"""Telegram chats that changed their id: a group upgraded to a supergroup."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base, UtcDateTime


class ChatMigration(Base):
    """A group that became a supergroup: messages to `old_chat_id` must go to `new_chat_id`."""

    __tablename__ = "chat_migrations"

    old_chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True,
                                             autoincrement=False)
    new_chat_id: Mapped[int] = mapped_column(BigInteger)
    migrated_at: Mapped[datetime] = mapped_column(UtcDateTime)
