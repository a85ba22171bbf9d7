"""Direct replies that survive a Telegram outage, and the bot that knows the outbox.

A direct reply (the next question of a conversation, 「报修已提交，工单号 …」, a refusal in the
chat) is sent at once — the fast path costs no database write. If sending fails for a reason
that may pass (network error, timeout, 5xx, 429 after the rate limiter's own retry), the reply
is handed to the outbox for that chat and delivered when Telegram answers again. While the
outbox holds such a message for a chat, later replies to that chat go behind it through the
outbox too, so a chat's replies arrive in order. A refusal by Telegram (blocked, bad request)
is raised as before. See docs/DECISIONS.md, "Telegram unreachable".

Answers to button presses (the spinner, an alert) and taking the buttons off a message are
best effort: a failure is logged and the handler goes on to what the person must see.
"""

from __future__ import annotations

import logging
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

from telegram import InlineKeyboardMarkup, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError
from telegram.ext import ExtBot

from handlers.renderers.common import escape

if TYPE_CHECKING:
    from schedules.outbox_sender import OutboxSender

logger = logging.getLogger(__name__)


class DeskBot(ExtBot):
    """The application's bot: knows the outbox that takes over failed direct replies."""

    __slots__ = ("_outbox",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._outbox: OutboxSender | None = None

    @property
    def outbox(self) -> OutboxSender | None:
        return self._outbox

    def use_outbox(self, sender: OutboxSender | None) -> None:
        """The outbox that takes over failed replies (None: failures are raised)."""
        self._outbox = sender

    async def answer_callback_query(self, *args: Any, **kwargs: Any) -> bool:
        """Best effort: a press left unanswered only spins a little longer."""
        try:
            return await super().answer_callback_query(*args, **kwargs)
        except TelegramError as error:
            logger.info("button press not answered: %s", error)
            return False

    async def edit_message_reply_markup(self, *args: Any, **kwargs: Any) -> Any:
        """Best effort: buttons left on an old message are refused as stale when pressed."""
        try:
            return await super().edit_message_reply_markup(*args, **kwargs)
        except TelegramError as error:
            logger.info("buttons not taken off a message: %s", error)
            return False


def _transient(error: TelegramError) -> bool:
    """A failure that may pass: try again later (BadRequest is a NetworkError too)."""
    return isinstance(error, RetryAfter | NetworkError) and not isinstance(error, BadRequest)


def _keyboard(markup: Any) -> list[list[dict[str, str]]] | None:
    if not isinstance(markup, InlineKeyboardMarkup):
        return None
    return [[{"text": b.text, "data": str(b.callback_data)} for b in row]
            for row in markup.inline_keyboard]


async def reply_to(message: Message, text: str, *, html: bool = True,
                   reply_markup: InlineKeyboardMarkup | None = None) -> None:
    """Reply in the message's chat; if Telegram cannot be reached, through the outbox."""
    quoted = message.message_id if message.chat_id < 0 else None  # as reply_text quotes
    await _deliver(message.get_bot(), message.chat_id, text if html else escape(text),
                   _keyboard(reply_markup), quoted, message.reply_text(
                       text, parse_mode=ParseMode.HTML if html else None,
                       disable_web_page_preview=True, reply_markup=reply_markup))


async def send_to(bot: Any, chat_id: int, text: str, *, html: bool = True) -> None:
    """Send a message a person must see (a prompt in their private chat), as reply_to does.
    Forbidden (they never started the bot) is raised for the caller to answer."""
    await _deliver(bot, chat_id, text if html else escape(text), None, None, bot.send_message(
        chat_id, text, parse_mode=ParseMode.HTML if html else None))


async def _deliver(bot: Any, chat_id: int, html_text: str,
                   keyboard: list[list[dict[str, str]]] | None, quoted: int | None,
                   sending: Coroutine[Any, Any, Any]) -> None:
    """Run `sending`, or hand the message (as HTML) to the outbox: at once while the outbox
    holds earlier messages for the chat, or when sending failed for a reason that may pass."""
    outbox: OutboxSender | None = getattr(bot, "outbox", None)
    if outbox is not None and outbox.holds(chat_id):
        sending.close()  # never awaited: not sent
        await outbox.take_over(chat_id, html_text, keyboard, quoted)
        return
    try:
        await sending
    except TelegramError as error:
        if outbox is None or not _transient(error):
            raise
        logger.info("message to chat %s handed to the outbox: %s", chat_id, error)
        await outbox.take_over(chat_id, html_text, keyboard, quoted)
        return
    if outbox is not None:
        outbox.reachable()
