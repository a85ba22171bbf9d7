"""Telegram's size limits, measured as Telegram measures them, and trimming to fit.

A text's limit counts the visible characters after entity parsing: HTML tags do not count,
an entity such as ``&lt;`` counts as one. Renderers budget their variable parts so that a
message fits; `fit_html` is the last guard that keeps an unforeseen long text from being
refused by Telegram (which would leave the person with 「系统繁忙」).
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Sequence

from handlers.renderers.common import MESSAGE_LIMIT

CAPTION_LIMIT = 1024
ANSWER_LIMIT = 200  # the text of an answer to a button press (answerCallbackQuery)
KEYBOARD_LIMIT = 100  # buttons on one inline keyboard
CUT_MARK = "…"

_TOKEN = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)[^>]*>|&(?:#\d+|#[xX][0-9A-Fa-f]+|[A-Za-z]+);")
_TAG = re.compile(r"<[^>]*>")

logger = logging.getLogger(__name__)


def visible_length(text: str) -> int:
    """The length Telegram counts for an HTML text: tags dropped, entities decoded."""
    return len(html.unescape(_TAG.sub("", text)))


def fit_html(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """`text` if it fits, else cut to `limit` visible characters with the tags kept balanced."""
    length = visible_length(text)
    if length <= limit:
        return text
    logger.warning("a text of %d visible characters was cut to %d: %.60r", length, limit, text)
    out: list[str] = []
    open_tags: list[str] = []
    budget, pos = limit - len(CUT_MARK), 0
    while pos < len(text) and budget > 0:
        match = _TOKEN.match(text, pos)
        if match is None:
            out.append(text[pos])
            budget, pos = budget - 1, pos + 1
            continue
        token = match.group(0)
        if token.startswith("&"):
            budget -= 1
        elif match.group(1):
            if open_tags and open_tags[-1] == match.group(2).lower():
                open_tags.pop()
        else:
            open_tags.append(match.group(2).lower())
        out.append(token)
        pos = match.end()
    out.append(CUT_MARK)
    out.extend(f"</{name}>" for name in reversed(open_tags))
    return "".join(out)


def fit_lines(lines: Sequence[str], more: str, limit: int = MESSAGE_LIMIT) -> str:
    """The lines joined, as many as fit `limit` visible characters; `more` (with {count})
    says how many were left out."""
    budget = limit - visible_length(more) - 8
    kept: list[str] = []
    for line in lines:
        cost = visible_length(line) + 1
        if cost > budget:
            break
        kept.append(line)
        budget -= cost
    hidden = len(lines) - len(kept)
    return "\n".join(kept + ([more.format(count=hidden)] if hidden else []))


def fit_answer(text: str | None) -> str | None:
    """The text of an answer to a button press, cut to what Telegram accepts."""
    if text is None or len(text) <= ANSWER_LIMIT:
        return text
    return text[: ANSWER_LIMIT - len(CUT_MARK)] + CUT_MARK


def fit_rows(rows: Sequence[Sequence[tuple[str, str]]], limit: int = KEYBOARD_LIMIT
             ) -> list[list[tuple[str, str]]]:
    """At most `limit` buttons, row by row, in order (the first choices are kept)."""
    kept: list[list[tuple[str, str]]] = []
    left = limit
    for row in rows:
        if left <= 0:
            break
        kept.append(list(row[:left]))
        left -= len(kept[-1])
    return [row for row in kept if row]
