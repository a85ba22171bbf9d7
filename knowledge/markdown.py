"""Reading Markdown articles: front matter, title, summary and plain text for snippets."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from knowledge.errors import InvalidArticle

MSG_NO_TITLE = "缺少标题（front matter 的 title、# 标题或 === 下划线标题）"
MSG_OPEN_FRONT_MATTER = "front matter 没有结束的 --- 行"
MSG_BAD_FRONT_MATTER = "front matter 第 {line} 行无法识别：{text}"

_ATX_RE = re.compile(r"^\s{0,3}#\s+(.+?)\s*#*\s*$")
_SETEXT_RE = re.compile(r"^\s{0,3}(=+|-+)\s*$")
_FRONT_KEY_RE = re.compile(r"^([A-Za-z_][\w-]*)\s*:\s*(.*)$")
_LIST_SPLIT_RE = re.compile(r"[,，、;；]")
_LINK_RE = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_HTML_RE = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]{0,200})?/?>")
_EMPHASIS_RE = re.compile(r"(\*\*|__|`+|~~)")
_SPACE_RE = re.compile(r"\s+")
_FENCE_LINE_RE = re.compile(r"^\s*(```|~~~|=+\s*$|-{3,}\s*$).*$", re.MULTILINE)
_TABLE_RULE_RE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$", re.MULTILINE)
_BLOCK_LINE_RE = re.compile(r"^\s*(#{1,6}\s+|>\s?|[-*+]\s+|\d+[.)]\s+)", re.MULTILINE)


@dataclass
class ParsedArticle:
    """An article read from Markdown text: what the importer needs."""

    title: str
    body: str
    meta: dict[str, str | list[str]] = field(default_factory=dict)


def _parse_value(raw: str) -> str | list[str]:
    """Parse a front matter value: `[a, b]` lists, quoted or plain strings."""
    raw = raw.strip()
    if raw.startswith("[") and raw.endswith("]"):
        return [item.strip().strip("'\"") for item in raw[1:-1].split(",") if item.strip()]
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "'\"":
        return raw[1:-1]
    return raw


def _parse_front_matter(lines: list[str]) -> dict[str, str | list[str]]:
    """Parse the simple YAML subset used in front matter (scalars, inline and dash lists)."""
    meta: dict[str, str | list[str]] = {}
    current: str | None = None
    for number, line in enumerate(lines, start=2):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        stripped = line.strip()
        if stripped.startswith("- ") and current is not None:
            existing = meta.get(current)
            items = existing if isinstance(existing, list) else []
            items.append(stripped[2:].strip().strip("'\""))
            meta[current] = items
            continue
        match = _FRONT_KEY_RE.match(line)
        if not match:
            raise InvalidArticle(MSG_BAD_FRONT_MATTER.format(line=number, text=stripped[:40]))
        current = match.group(1).lower()
        meta[current] = _parse_value(match.group(2)) if match.group(2).strip() else []
    return meta


def split_front_matter(text: str) -> tuple[dict[str, str | list[str]], str]:
    """Return (front matter, rest of the text); no front matter gives an empty dict."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return {}, text
    for index in range(1, len(lines)):
        if lines[index].strip() in ("---", "..."):
            meta = _parse_front_matter(lines[1:index])
            return meta, "\n".join(lines[index + 1 :])
    raise InvalidArticle(MSG_OPEN_FRONT_MATTER)


def _take_heading(text: str) -> tuple[str | None, str]:
    """Take a leading `#` or setext heading off `text`; return (title or None, rest)."""
    lines = text.split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        return None, ""
    atx = _ATX_RE.match(lines[first])
    if atx:
        return atx.group(1).strip(), "\n".join(lines[first + 1 :])
    if first + 1 < len(lines) and _SETEXT_RE.match(lines[first + 1]):
        return lines[first].strip(), "\n".join(lines[first + 2 :])
    return None, text


def parse_markdown(text: str) -> ParsedArticle:
    """Parse a Markdown article; the title comes from front matter or the first heading."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    meta, rest = split_front_matter(text)
    heading, without_heading = _take_heading(rest)
    title = meta.get("title")
    if isinstance(title, str) and title.strip():
        body = without_heading if heading == title.strip() else rest
        return ParsedArticle(title=title.strip(), body=body.strip("\n"), meta=meta)
    if heading:
        return ParsedArticle(title=heading, body=without_heading.strip("\n"), meta=meta)
    raise InvalidArticle(MSG_NO_TITLE)


def _prose_blocks(body: str) -> list[str]:
    """Return the prose paragraphs of a Markdown body (no headings, code, tables or HTML)."""
    blocks: list[str] = []
    current: list[str] = []
    in_code = False
    for line in body.split("\n"):
        stripped = line.strip()
        if stripped.startswith(("```", "~~~")):
            in_code = not in_code
            stripped = ""
        if in_code or not stripped or stripped.startswith(("#", "|", "<", "![", "---", "===")):
            if current:
                blocks.append(" ".join(current))
                current = []
            continue
        current.append(stripped)
    if current:
        blocks.append(" ".join(current))
    return [plain_line(block) for block in blocks if plain_line(block)]


def plain_line(text: str) -> str:
    """Strip inline Markdown (emphasis, links, HTML) from one line or paragraph."""
    text = _LINK_RE.sub(r"\1", text)
    text = _HTML_RE.sub("", text)
    text = _EMPHASIS_RE.sub("", text)
    return _SPACE_RE.sub(" ", text).strip()


def summary_of(body: str, max_chars: int = 300) -> str:
    """Return the first prose paragraph of the body, as plain text."""
    blocks = _prose_blocks(body)
    return blocks[0][:max_chars] if blocks else ""


def lead_of(body: str, max_chars: int = 400) -> str:
    """Return the opening prose of the body (first paragraphs up to `max_chars`)."""
    taken: list[str] = []
    size = 0
    for block in _prose_blocks(body):
        if size and size + len(block) > max_chars:
            break
        taken.append(block[: max_chars - size])
        size += len(taken[-1])
    return " ".join(taken)


def plain_text(body: str) -> str:
    """Return the body as one line of plain text for snippets (fences and markup removed)."""
    text = _FENCE_LINE_RE.sub("", body)
    text = _TABLE_RULE_RE.sub("", text).replace("|", " ")
    text = _BLOCK_LINE_RE.sub("", text)
    text = _LINK_RE.sub(r"\1", text)
    text = _HTML_RE.sub("", text)
    text = _EMPHASIS_RE.sub("", text)
    return _SPACE_RE.sub(" ", text).strip()


def meta_list(value: str | list[str] | None) -> list[str]:
    """Return a front matter value as a list (comma, 、 or ; separated strings are split)."""
    if value is None:
        return []
    items = value if isinstance(value, list) else _LIST_SPLIT_RE.split(value)
    return [item.strip() for item in items if item.strip()]


def render_markdown(title: str, body: str, meta: dict[str, str | list[str]]) -> str:
    """Write an article back as Markdown with front matter (the export format)."""
    lines = ["---", f"title: {_quote(title)}"]
    for name, value in meta.items():
        if isinstance(value, list) and any("," in item for item in value):
            lines.append(f"{name}:")  # one per line: an inline list would split at commas
            lines += [f"  - {item}" for item in value]
        elif isinstance(value, list):
            lines.append(f"{name}: [{', '.join(_quote(item) for item in value)}]")
        elif value:
            lines.append(f"{name}: {_quote(value)}")
    lines += ["---", "", f"# {title}", "", body.strip(), ""]
    return "\n".join(lines)


def _quote(value: str) -> str:
    """Quote a front matter scalar when it holds characters the reader would split on."""
    if any(ch in value for ch in ",[]:#'\"") or value != value.strip():
        return '"' + value.replace('"', "'") + '"'
    return value
