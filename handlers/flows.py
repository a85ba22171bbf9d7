"""Route private messages: to the open conversation's step, else to the default handler."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes, MessageHandler, filters

from bot import conversations
from handlers.common import desk_of, is_private, person_of, reply
from handlers.renderers.attachments import MEDIA_HINT
from handlers.renderers.common import (
    CANCELLED,
    NOTHING_TO_CANCEL,
    TEXT_EXPECTED,
    UNSUPPORTED_MESSAGE,
)
from handlers.renderers.welcome import NOT_REGISTERED

TextStep = Callable[[Update, ContextTypes.DEFAULT_TYPE, str], Awaitable[None]]
MediaStep = Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[None]]


@dataclass(frozen=True)
class FlowStep:
    """What one step of a conversation does with text and, optionally, photos/documents."""

    on_text: TextStep
    on_media: MediaStep | None = None


_FLOWS: dict[str, dict[str, FlowStep]] = {}
_DEFAULT_TEXT: list[TextStep] = []


def register_flow(name: str, steps: dict[str, FlowStep]) -> None:
    """Make a conversation flow known to the router."""
    _FLOWS[name] = steps


def set_default_text(handler: TextStep) -> None:
    """What plain private text does outside a conversation (the knowledge base: ask)."""
    _DEFAULT_TEXT[:] = [handler]


def _open_step(update: Update, context: ContextTypes.DEFAULT_TYPE) -> FlowStep | None:
    desk = desk_of(context)
    with desk.sessions.begin() as session:
        conversation = conversations.current(session, update.effective_chat.id,
                                             update.effective_user.id)
        if conversation is None:
            return None
        step = _FLOWS.get(conversation.flow, {}).get(conversation.step)
        if step is None:  # a flow or step this version no longer has
            conversations.end(session, update.effective_chat.id, update.effective_user.id)
        return step


async def route_private(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send a private message to the open conversation's step, or treat it as a question."""
    message = update.effective_message
    step = _open_step(update, context)
    if step is not None:
        if message.text is not None:
            await step.on_text(update, context, message.text)
        elif step.on_media is not None and (message.photo or message.document):
            await step.on_media(update, context)
        else:
            await reply(update, TEXT_EXPECTED)
        return
    if message.photo or message.document:
        await reply(update, MEDIA_HINT)  # a file for a ticket goes as a reply to its message
    elif message.text is None:
        await reply(update, UNSUPPORTED_MESSAGE)
    elif person_of(update, context) is None:
        await reply(update, NOT_REGISTERED)
    elif _DEFAULT_TEXT:
        await _DEFAULT_TEXT[0](update, context, message.text)
    else:
        await reply(update, UNSUPPORTED_MESSAGE)


async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Leave whatever conversation is open."""
    desk = desk_of(context)
    with desk.sessions.begin() as session:
        ended = conversations.end(session, update.effective_chat.id, update.effective_user.id)
    await reply(update, CANCELLED if ended else NOTHING_TO_CANCEL)


def register(application: Application) -> None:
    """Add /cancel and the private-message router (after every command handler)."""
    application.add_handler(CommandHandler("cancel", cancel))
    private_messages = filters.ChatType.PRIVATE & ~filters.COMMAND & ~filters.StatusUpdate.ALL
    application.add_handler(MessageHandler(private_messages, route_private), group=1)


__all__ = ["FlowStep", "is_private", "register", "register_flow", "set_default_text"]
