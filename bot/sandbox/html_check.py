"""Parse Telegram's HTML subset into plain text plus entities, rejecting what Telegram rejects.

Stricter than Telegram in one way: a bare '&' that starts no known entity is an error here
(real Telegram passes it through), so a renderer that forgets to escape is caught in tests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from bot.sandbox.errors import ApiError, bad_request

TAG_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE = re.compile(r"&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z]+));")
_NAME_RE = re.compile(r"[A-Za-z0-9-]*")
_ATTR_RE = re.compile(r"\s*([A-Za-z-]+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>\"']+)))?")


@dataclass
class _OpenTag:
    """A start tag waiting for its end tag."""

    name: str
    offset: int
    attrs: dict[str, str] = field(default_factory=dict)


def utf16_len(text: str) -> int:
    """Return the length of `text` in UTF-16 code units (Telegram's entity unit)."""
    return len(text.encode("utf-16-le")) // 2


def _parse_error(source: str, pos: int, detail: str) -> ApiError:
    """Build the 400 error for an unparsable HTML text at character `pos`."""
    offset = len(source[:pos].encode("utf-8"))
    return bad_request(f"can't parse entities: {detail} at byte offset {offset}")


class _HtmlParser:
    """One pass over the source, collecting output text and entities."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.out: list[str] = []
        self.length = 0
        self.stack: list[_OpenTag] = []
        self.entities: list[dict[str, Any]] = []

    def run(self) -> tuple[str, list[dict[str, Any]]]:
        """Parse the whole source."""
        pos = 0
        while pos < len(self.source):
            char = self.source[pos]
            if char == "&":
                pos = self._entity(pos)
            elif char == "<":
                pos = (
                    self._end_tag(pos)
                    if self.source[pos + 1 : pos + 2] == "/"
                    else (self._start_tag(pos))
                )
            else:
                self._emit(char)
                pos += 1
        if self.stack:
            name = self.stack[-1].name
            raise bad_request(
                f"can't parse entities: Can't find end tag corresponding to start tag \"{name}\""
            )
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.out), self.entities

    def _emit(self, text: str) -> None:
        self.out.append(text)
        self.length += utf16_len(text)

    def _entity(self, pos: int) -> int:
        match = _ENTITY_RE.match(self.source, pos)
        char: str | None = None
        if match and match.group(3):
            char = NAMED_ENTITIES.get(match.group(3).lower())
        elif match:
            code = int(match.group(1)) if match.group(1) else int(match.group(2), 16)
            char = chr(code) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else None
        if match is None or char is None:
            raise _parse_error(self.source, pos, "Unsupported HTML entity or bare '&'")
        self._emit(char)
        return match.end()

    def _start_tag(self, pos: int) -> int:
        name_match = _NAME_RE.match(self.source, pos + 1)
        assert name_match is not None
        name = name_match.group(0).lower()
        if name not in TAG_TYPES:
            raise _parse_error(self.source, pos, f'Unsupported start tag "{name}"')
        attrs, end = self._attributes(name_match.end(), pos)
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise _parse_error(self.source, pos, 'Unsupported start tag "span"')
        self.stack.append(_OpenTag(name, self.length, attrs))
        return end

    def _attributes(self, pos: int, tag_pos: int) -> tuple[dict[str, str], int]:
        attrs: dict[str, str] = {}
        while True:
            rest = self.source[pos:]
            stripped = rest.lstrip()
            if stripped.startswith(">"):
                return attrs, pos + (len(rest) - len(stripped)) + 1
            match = _ATTR_RE.match(self.source, pos)
            if not stripped or match is None or match.end() == pos:
                raise _parse_error(self.source, tag_pos, "Can't find end of the tag")
            value = next((g for g in match.groups()[1:] if g is not None), "")
            attrs[match.group(1).lower()] = _unescape_attr(value)
            pos = match.end()

    def _end_tag(self, pos: int) -> int:
        close = self.source.find(">", pos)
        if close < 0:
            raise _parse_error(self.source, pos, "Can't find end of the tag")
        name = self.source[pos + 2 : close].strip().lower()
        if not self.stack:
            raise _parse_error(self.source, pos, "Unexpected end tag")
        tag = self.stack[-1]
        if name != tag.name:
            raise _parse_error(
                self.source,
                pos,
                f'Unmatched end tag, expected "</{tag.name}>", found "</{name}>"',
            )
        self.stack.pop()
        self._close(tag)
        return close + 1

    def _close(self, tag: _OpenTag) -> None:
        length = self.length - tag.offset
        if length <= 0:
            return
        entity: dict[str, Any] = {"type": TAG_TYPES[tag.name], "offset": tag.offset}
        entity["length"] = length
        if tag.name == "a":
            if not tag.attrs.get("href"):
                return
            entity["url"] = tag.attrs["href"]
        elif tag.name == "blockquote" and "expandable" in tag.attrs:
            entity["type"] = "expandable_blockquote"
        elif tag.name == "pre" and tag.attrs.get("language"):
            entity["language"] = tag.attrs["language"]
        elif tag.name == "tg-emoji":
            entity["custom_emoji_id"] = tag.attrs.get("emoji-id", "")
        elif tag.name == "code" and self._merge_into_pre(tag):
            return
        self.entities.append(entity)

    def _merge_into_pre(self, tag: _OpenTag) -> bool:
        language = tag.attrs.get("class", "")
        if not language.startswith("language-") or not self.stack:
            return False
        parent = self.stack[-1]
        if parent.name != "pre" or parent.offset != tag.offset:
            return False
        parent.attrs["language"] = language.removeprefix("language-")
        return True


def _unescape_attr(value: str) -> str:
    """Decode the entities Telegram allows inside an attribute value."""

    def repl(match: re.Match[str]) -> str:
        if match.group(3):
            return NAMED_ENTITIES.get(match.group(3).lower(), match.group(0))
        return chr(int(match.group(1)) if match.group(1) else int(match.group(2), 16))

    return _ENTITY_RE.sub(repl, value)


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    """Return (plain text, entities) for a parse_mode=HTML text, or raise a 400 ApiError."""
    return _HtmlParser(source).run()
