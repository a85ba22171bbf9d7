"""What every scheduled job shares: the desk, waking the outbox sender, chunking."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

from telegram.ext import Application

from handlers.notify import SENDER_KEY

T = TypeVar("T")


def wake_sender(application: Application) -> None:
    """Tell the outbox sender there is something to send now (call on the event loop)."""
    sender = application.bot_data.get(SENDER_KEY)
    if sender is not None:
        sender.wake()


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """`items` in consecutive slices of at most `size`."""
    for start in range(0, len(items), size):
        yield items[start:start + size]
