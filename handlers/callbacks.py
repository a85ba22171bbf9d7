"""Callback data: short, strictly parsed strings. Never trust what a client sends back."""

from __future__ import annotations

import re
from dataclasses import dataclass

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest

from handlers.renderers.common import CALLBACK_DATA_LIMIT
from handlers.renderers.limits import fit_rows

_PART = re.compile(r"^[A-Za-z0-9_.\-]{1,40}$")
_NUMBER = re.compile(r"^[0-9]{1,10}$")
MAX_ID = 2**31 - 1  # database ids are 32-bit integers (PostgreSQL INTEGER)


@dataclass(frozen=True)
class Callback:
    """A parsed button press: a prefix naming the handler, an action and its arguments."""

    prefix: str
    action: str
    args: tuple[str, ...]

    def number(self, index: int, minimum: int = 1) -> int | None:
        """Argument `index` as a database id (minimum..2^31-1); None if absent, huge or no number.

        `inf`, `1e309`, `NaN`, negatives and 2^63 all come back as None, never as an
        exception from int(), float() or the database.
        """
        return as_id(self.args[index], minimum) if index < len(self.args) else None


def as_id(text: str, minimum: int = 1) -> int | None:
    """`text` as a database id (minimum..2^31-1), or None: never an exception, never 10^40."""
    if not _NUMBER.match(text):
        return None
    value = int(text)
    return value if minimum <= value <= MAX_ID else None


def pack(prefix: str, action: str, *args: object) -> str:
    """Build callback data; refuses anything Telegram would reject or we could not parse."""
    parts = [prefix, action, *map(str, args)]
    for part in parts:
        if not _PART.match(part):
            raise ValueError(f"bad callback part {part!r}")
    data = ":".join(parts)
    if len(data.encode()) > CALLBACK_DATA_LIMIT:
        raise ValueError(f"callback data too long: {data!r}")
    return data


def parse(data: str | None, prefix: str) -> Callback | None:
    """Parse callback data of `prefix`; None for anything malformed."""
    if not data or len(data.encode()) > CALLBACK_DATA_LIMIT:
        return None
    parts = data.split(":")
    if len(parts) < 2 or parts[0] != prefix or not all(_PART.match(p) for p in parts):
        return None
    return Callback(parts[0], parts[1], tuple(parts[2:]))


def markup(rows: list[list[tuple[str, str]]]) -> InlineKeyboardMarkup:
    """An inline keyboard from rows of (label, callback data), within Telegram's 100 buttons."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row]
         for row in fit_rows(rows)]
    )


def as_json(rows: list[list[tuple[str, str]]]) -> list[list[dict[str, str]]]:
    """The same keyboard as plain data, for the outbox."""
    return [[{"text": label, "data": data} for label, data in row] for row in fit_rows(rows)]


async def drop_buttons(query: CallbackQuery) -> None:
    """Take the buttons off the pressed message, if it still has any.

    A forged or repeated press may come from a message without buttons (or one already
    stripped); Telegram refuses such an edit as "not modified", which is no failure.
    """
    message = query.message
    if message is None or not getattr(message, "reply_markup", None):
        return
    try:
        await query.edit_message_reply_markup(None)
    except BadRequest as error:
        if "not modified" not in str(error).lower():
            raise
