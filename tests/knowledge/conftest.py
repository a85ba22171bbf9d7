"""Fixtures for knowledge tests: a tmp SQLite database, an index dir and a frozen clock."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import AdjustableClock
from knowledge import Article, Base, KnowledgeBase

START = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.fixture
def clock() -> AdjustableClock:
    return AdjustableClock(START, frozen=True)


@pytest.fixture
def sessions(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    engine = create_engine(f"sqlite:///{tmp_path / 'kb.sqlite3'}")
    Base.metadata.create_all(engine)
    yield sessionmaker(engine)
    engine.dispose()


@pytest.fixture
def kb(
    tmp_path: Path, clock: AdjustableClock, sessions: sessionmaker[Session]
) -> Iterator[KnowledgeBase]:
    knowledge = KnowledgeBase(tmp_path / "index", clock)
    with sessions.begin() as session:
        knowledge.open(session)
    yield knowledge
    knowledge.close()


MakeArticle = Callable[..., Article]


@pytest.fixture
def publish(kb: KnowledgeBase, sessions: sessionmaker[Session]) -> MakeArticle:
    """Create and publish an article; return it (detached, attributes loaded)."""

    def make(
        title: str,
        body: str,
        *,
        tags: list[str] | None = None,
        category: str | None = None,
        key: str | None = None,
    ) -> Article:
        with sessions.begin() as session:
            article = kb.create_draft(
                session,
                title=title,
                body=body,
                tags=tags or [],
                category=category,
                author_id=1,
                key=key,
            )
            kb.approve(session, article.key, reviewer_id=2)
            session.flush()
            session.expunge(article)
        return article

    return make


def keys(hits: list) -> list[str]:
    """Return the keys of search hits, best first."""
    return [hit.key for hit in hits]


def write(path: Path, text: str | bytes) -> Path:
    """Write a test file (creating folders) and return its path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path
