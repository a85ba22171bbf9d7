"""Markdown article bodies as Telegram HTML, split into pages under the message limit.

Only what renders safely: headings and **bold** become <b>, `code` <code>, fenced blocks
<pre>, lists keep their markers; everything else is escaped text. Pages are cut between
blocks (never inside a tag), and a block longer than a page is cut as plain text.
"""

from __future__ import annotations

import re

from handlers.renderers.common import escape

PAGE_CHARS = 3300
_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_CODE = re.compile(r"`([^`\n]+)`")
_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")


def _inline(text: str) -> str:
    """Escape a line, then apply the inline formats we allow."""
    parts = re.split(r"(`[^`\n]+`)", text)
    out = []
    for part in parts:
        if part.startswith("`") and part.endswith("`") and len(part) > 2:
            out.append(f"<code>{escape(part[1:-1])}</code>")
            continue
        escaped = escape(_LINK.sub(r"\1", part))
        out.append(_BOLD.sub(r"<b>\1</b>", escaped))
    return "".join(out)


def blocks(markdown: str) -> list[str]:
    """The body as rendered HTML blocks (paragraphs, headings, code blocks)."""
    rendered: list[str] = []
    lines = markdown.replace("\r\n", "\n").split("\n")
    paragraph: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.strip().startswith("```"):
            if paragraph:
                rendered.append("\n".join(paragraph))
                paragraph = []
            code = []
            index += 1
            while index < len(lines) and not lines[index].strip().startswith("```"):
                code.append(lines[index])
                index += 1
            rendered.append(f"<pre>{escape(chr(10).join(code))}</pre>")
        elif not line.strip():
            if paragraph:
                rendered.append("\n".join(paragraph))
                paragraph = []
        elif heading := _HEADING.match(line):
            if paragraph:
                rendered.append("\n".join(paragraph))
                paragraph = []
            rendered.append(f"<b>{escape(heading.group(2).strip('# '))}</b>")
        elif re.match(r"^\s*(=+|-+)\s*$", line) and paragraph:
            paragraph[-1] = f"<b>{paragraph[-1]}</b>"  # setext heading underline
        else:
            paragraph.append(_inline(line))
        index += 1
    if paragraph:
        rendered.append("\n".join(paragraph))
    return rendered


def pages(markdown: str, limit: int = PAGE_CHARS) -> list[str]:
    """Rendered pages, each under `limit` characters of HTML."""
    result: list[str] = []
    current = ""
    for block in blocks(markdown):
        if len(block) > limit:
            block = _cut_plain(block, limit)
        for piece in block if isinstance(block, list) else [block]:
            if current and len(current) + len(piece) + 2 > limit:
                result.append(current)
                current = ""
            current = f"{current}\n\n{piece}" if current else piece
    if current or not result:
        result.append(current)
    return result


def _cut_plain(block: str, limit: int) -> list[str]:
    """A too-long block as plain escaped text, cut into page-sized pieces."""
    text = re.sub(r"<[^>]+>", "", block)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    size = limit // 2
    return [escape(text[i:i + size]) for i in range(0, len(text), size)]
