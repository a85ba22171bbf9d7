"""Refusing a request from inside a transaction: raise, roll back, then tell the person.

Never await Telegram while a database transaction is open (SQLite would hold its write
lock across the await and stall every other update), so handlers raise Refusal inside
`with sessions.begin()` and the @refusals decorator answers after the transaction ended.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any, ParamSpec

from telegram import Update

from handlers import delivery

P = ParamSpec("P")


class Refusal(Exception):
    """A request that is refused with a message (an alert for a button press by default)."""

    def __init__(self, text: str, *, alert: bool = True, html: bool = False) -> None:
        super().__init__(text)
        self.text, self.alert, self.html = text, alert, html


async def tell(update: Update, refusal: Refusal) -> None:
    """Answer the button press with an alert, or reply in the chat."""
    query = update.callback_query
    if query is not None and refusal.alert:
        await query.answer(refusal.text[:200], show_alert=True)
        return
    if query is not None:
        await query.answer()
    message = update.effective_message
    if message is not None:
        await delivery.reply_to(message, refusal.text, html=refusal.html)


def refusals(handler: Callable[P, Awaitable[Any]]) -> Callable[P, Awaitable[Any]]:
    """Let `handler` raise Refusal; the person is told after the transaction is closed."""

    @functools.wraps(handler)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> Any:
        try:
            return await handler(*args, **kwargs)
        except Refusal as refusal:
            update = next(a for a in args if isinstance(a, Update))
            await tell(update, refusal)
            return None

    return wrapper
