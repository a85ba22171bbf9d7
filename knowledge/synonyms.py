"""Query-time synonyms read from an editable file (one group per line, members split by /)."""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from pathlib import Path

from knowledge.analysis import data_text

logger = logging.getLogger(__name__)

_ASCII_RE = re.compile(r"^[a-z0-9 ._\-+#]+$")
_WORD_CHAR_RE = re.compile(r"[a-z0-9]")


@dataclass(frozen=True)
class Occurrence:
    """A synonym-group member found in a question, with its character span."""

    start: int
    end: int
    group: int


def parse_groups(text: str) -> list[tuple[str, ...]]:
    """Parse the synonyms file format into groups of lower-cased members."""
    groups = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        members = tuple(dict.fromkeys(m.strip().lower() for m in line.split("/") if m.strip()))
        if len(members) > 1:
            groups.append(members)
    return groups


class Synonyms:
    """Synonym groups; a file given by path is re-read when it changes on disk."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._mtime: float | None = None
        self._groups: list[tuple[str, ...]] = []
        self._members: list[tuple[str, int, bool]] = []
        self._by_member: dict[str, set[int]] = {}
        if path is None:
            self._set(parse_groups(data_text("synonyms.txt")))
        else:
            self._reload_if_changed()

    def _set(self, groups: list[tuple[str, ...]]) -> None:
        """Install groups and the member list used for matching (longest members first)."""
        members = [
            (member, number, bool(_ASCII_RE.match(member)))
            for number, group in enumerate(groups)
            for member in group
            if len(member) > 1 or _ASCII_RE.match(member)
        ]
        members.sort(key=lambda item: -len(item[0]))
        by_member: dict[str, set[int]] = {}
        for number, group in enumerate(groups):
            for member in group:
                by_member.setdefault(member, set()).add(number)
        self._groups, self._members, self._by_member = groups, members, by_member

    def _reload_if_changed(self) -> None:
        """Re-read the file when its modification time changed; keep old groups on error."""
        if self.path is None:
            return
        try:
            mtime = self.path.stat().st_mtime
            if mtime == self._mtime:
                return
            groups = parse_groups(self.path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as error:
            logger.warning("synonyms file %s unreadable: %s", self.path, error)
            return
        self._set(groups)
        self._mtime = mtime
        logger.info("loaded %d synonym groups from %s", len(groups), self.path)

    def group(self, number: int) -> tuple[str, ...]:
        """Return the members of group `number`."""
        return self._groups[number]

    def groups_of(self, word: str) -> set[int]:
        """Return the groups that list `word` itself as a member (single characters too)."""
        return set(self._by_member.get(word, ()))

    def find(self, text: str) -> list[Occurrence]:
        """Return every member occurrence in lower-cased `text` (ASCII members on word edges)."""
        with self._lock:
            self._reload_if_changed()
            members = self._members
        found = []
        for member, number, is_ascii in members:
            start = text.find(member)
            while start >= 0:
                end = start + len(member)
                if not is_ascii or _on_word_edges(text, start, end):
                    found.append(Occurrence(start, end, number))
                start = text.find(member, start + 1)
        return found


def _on_word_edges(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] is not glued to other ASCII letters or digits."""
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not _WORD_CHAR_RE.match(before) and not _WORD_CHAR_RE.match(after)
