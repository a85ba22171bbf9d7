"""Knowledge-base hits as Chinese HTML: titles, snippets with the matched words in bold."""

from __future__ import annotations

from collections.abc import Sequence

from handlers.renderers.common import escape, trim

HIT_LINE = "{index}. <b>{title}</b>\n{snippet}"


def snippet_html(snippet: str) -> str:
    """Escape a snippet, then turn the search's 【…】 markers into bold (a mark the cut
    at 240 characters left open is closed, or Telegram would refuse the whole message)."""
    text = trim(snippet, 240)
    if text.rfind("【") > text.rfind("】"):
        text += "】"
    return escape(text).replace("【", "<b>").replace("】", "</b>")


def hits_text(hits: Sequence[object]) -> str:
    """Numbered hits, one block each."""
    return "\n\n".join(
        HIT_LINE.format(index=i, title=escape(hit.title), snippet=snippet_html(hit.snippet))
        for i, hit in enumerate(hits, start=1)
    )
