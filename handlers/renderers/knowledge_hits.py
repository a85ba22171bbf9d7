"""Knowledge-base hits as Chinese HTML: titles, snippets with the matched words in bold."""

from __future__ import annotations

from collections.abc import Sequence

from handlers.renderers.common import escape, trim

HIT_LINE = "{index}. <b>{title}</b>\n{snippet}"


def snippet_html(snippet: str) -> str:
    """Escape a snippet, then turn the search's 【…】 markers into bold."""
    return escape(trim(snippet, 240)).replace("【", "<b>").replace("】", "</b>")


def hits_text(hits: Sequence[object]) -> str:
    """Numbered hits, one block each."""
    return "\n\n".join(
        HIT_LINE.format(index=i, title=escape(hit.title), snippet=snippet_html(hit.snippet))
        for i, hit in enumerate(hits, start=1)
    )
