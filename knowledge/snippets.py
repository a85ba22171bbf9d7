"""Snippets: the passage of an article that best matches a question, matches marked 【…】."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

HIGHLIGHT_OPEN = "【"
HIGHLIGHT_CLOSE = "】"
ELLIPSIS = "…"
SNIPPET_CHARS = 120
#: Existing 【】 in article text are swapped for look-alikes so markers stay unambiguous.
_BRACKET_SWAP = str.maketrans({HIGHLIGHT_OPEN: "〖", HIGHLIGHT_CLOSE: "〗"})
_ASCII_LOWER = str.maketrans({chr(c): chr(c + 32) for c in range(ord("A"), ord("Z") + 1)})
_WORD_CHAR_RE = re.compile(r"[a-z0-9]")
_SENTENCE_ENDS = ("。", "！", "？", "；", "!", "?", ";", "：")


def _fold(text: str) -> str:
    """Return a same-length, lower-cased copy of `text` for matching."""
    lowered = text.lower()
    return lowered if len(lowered) == len(text) else text.translate(_ASCII_LOWER)


def _is_word(term: str) -> bool:
    """Whether a term starts like an ASCII word (matched on word edges)."""
    return bool(_WORD_CHAR_RE.match(term[0]))


def _spans(folded: str, terms: Iterable[str]) -> list[tuple[int, int]]:
    """Return non-overlapping spans where highlightable terms occur (longest terms win)."""
    spans: list[tuple[int, int]] = []
    taken = bytearray(len(folded))
    for term in sorted(set(terms), key=len, reverse=True):
        if len(term) < 2 and not _is_word(term):
            continue
        start = folded.find(term)
        while start >= 0:
            end = start + len(term)
            glued = _is_word(term) and (
                (start > 0 and _WORD_CHAR_RE.match(folded[start - 1]))
                or (end < len(folded) and _WORD_CHAR_RE.match(folded[end]))
            )
            if not glued and not any(taken[start:end]):
                spans.append((start, end))
                taken[start:end] = b"\x01" * (end - start)
            start = folded.find(term, end)
    spans.sort()
    return spans


def _best_window(
    spans: list[tuple[int, int]], folded: str, width: int, weights: dict[str, float]
) -> int:
    """Return the start of the `width`-char window whose distinct matches weigh the most."""
    best_start, best_score = 0, -1.0
    for first, (start, _) in enumerate(spans):
        seen: set[str] = set()
        for other_start, other_end in spans[first:]:
            if other_end - start > width:
                break
            seen.add(folded[other_start:other_end])
        score = sum(weights.get(term, 0.5) for term in seen)
        if score > best_score:
            best_start, best_score = start, score
    return max(0, best_start - width // 6)


def _sentence_start(text: str, start: int, reach: int) -> int:
    """Move `start` back to just after a sentence end, if one is within `reach` characters."""
    window = text[max(0, start - reach) : start]
    cut = max(window.rfind(mark) for mark in _SENTENCE_ENDS)
    if cut < 0:
        return start
    return max(0, start - reach) + cut + 1


def make_snippet(
    text: str, terms: Mapping[str, float] | Iterable[str], width: int = SNIPPET_CHARS
) -> str:
    """Return about `width` characters of `text` around the best matches, marked 【…】.

    `terms` may map each term to a weight: windows with heavier (own) terms are preferred.
    """
    weights = dict(terms) if isinstance(terms, Mapping) else dict.fromkeys(terms, 1.0)
    text = text.translate(_BRACKET_SWAP)
    folded = _fold(text)
    spans = _spans(folded, weights)
    start = _best_window(spans, folded, width, weights) if spans else 0
    if start > 0:
        start = _sentence_start(text, start, width // 4)
    end = min(len(text), start + width)
    parts = [ELLIPSIS] if start > 0 else []
    cursor = start
    for span_start, span_end in spans:
        if span_start < start or span_end > end:
            continue
        parts += [text[cursor:span_start], HIGHLIGHT_OPEN, text[span_start:span_end]]
        parts.append(HIGHLIGHT_CLOSE)
        cursor = span_end
    parts.append(text[cursor:end])
    if end < len(text):
        parts.append(ELLIPSIS)
    return "".join(parts).strip()
