"""Multi-step conversations stored in the database, one per person and chat."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.models import Conversation


def current(session: Session, chat_id: int, user_id: int) -> Conversation | None:
    """The conversation this person has open in this chat, if any."""
    return session.scalar(
        select(Conversation).where(Conversation.chat_id == chat_id,
                                   Conversation.user_id == user_id)
    )


def begin(session: Session, clock: Clock, chat_id: int, user_id: int, flow: str, step: str,
          data: dict[str, Any] | None = None) -> Conversation:
    """Start `flow` at `step`, replacing whatever conversation was open."""
    conversation = current(session, chat_id, user_id)
    if conversation is None:
        conversation = Conversation(chat_id=chat_id, user_id=user_id)
        session.add(conversation)
    conversation.flow, conversation.step = flow, step
    conversation.data = dict(data or {})
    conversation.updated_at = clock.now()
    session.flush()
    return conversation


def advance(session: Session, clock: Clock, conversation: Conversation, step: str,
            **updates: Any) -> None:
    """Move to `step`, merging `updates` into the conversation's data."""
    conversation.step = step
    conversation.data = {**conversation.data, **updates}
    conversation.updated_at = clock.now()
    session.flush()


def end(session: Session, chat_id: int, user_id: int) -> bool:
    """Close the open conversation; True if there was one."""
    result = session.execute(
        delete(Conversation).where(Conversation.chat_id == chat_id,
                                   Conversation.user_id == user_id)
    )
    return bool(result.rowcount)
