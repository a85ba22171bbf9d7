"""Callback data: short, strictly parsed strings. Never trust what a client sends back."""

from __future__ import annotations

import re
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from handlers.renderers.common import CALLBACK_DATA_LIMIT

_PART = re.compile(r"^[A-Za-z0-9_.\-]{1,40}$")


@dataclass(frozen=True)
class Callback:
    """A parsed button press: a prefix naming the handler, an action and its arguments."""

    prefix: str
    action: str
    args: tuple[str, ...]


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
    """An inline keyboard from rows of (label, callback data)."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


def as_json(rows: list[list[tuple[str, str]]]) -> list[list[dict[str, str]]]:
    """The same keyboard as plain data, for the outbox."""
    return [[{"text": label, "data": data} for label, data in row] for row in rows]
