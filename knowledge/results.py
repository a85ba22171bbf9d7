"""Plain result objects returned by the knowledge base facade."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path


@dataclass(frozen=True)
class Hit:
    """A search result: snippet matches are wrapped in 【】 (escape, then turn into <b>)."""

    key: str
    title: str
    score: float
    snippet: str
    category: str | None = None
    article_id: int = 0  # the article's database id (what a button carries)
    #: The idf-weighted share of the question's concepts the article matches (0 … 1).
    relevance: float = 1.0

    def as_json(self) -> dict[str, object]:
        """Return the JSON shape of a hit (key, title, score, snippet)."""
        return {"key": self.key, "title": self.title, "score": self.score, "snippet": self.snippet}


@dataclass(frozen=True)
class Gap:
    """A group of questions the knowledge base did not answer well."""

    question: str
    normalized: str
    count: int
    no_result: int
    unhelpful: int
    last_asked: datetime


@dataclass
class ImportReport:
    """What an import did: keys created, updated, unchanged, and files or rows skipped."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)

    @property
    def total(self) -> int:
        """Articles read successfully."""
        return len(self.created) + len(self.updated) + len(self.unchanged)


@dataclass(frozen=True)
class KBStats:
    """Figures about the knowledge base, for `govdesk kb stats` and the supervisors."""

    by_status: dict[str, int]
    views: int
    helpful: int
    unhelpful: int
    deflections: int
    searches: int
    searches_without_hits: int
    indexed: int
    most_viewed: list[tuple[str, str, int]]

    @property
    def total(self) -> int:
        """All articles, whatever their status."""
        return sum(self.by_status.values())
