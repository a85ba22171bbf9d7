"""Articles in buttons travel by numeric id: keys may hold characters callback data cannot."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge.models import Article, SearchLog


def article_by_id(session: Session, article_id: int) -> Article | None:
    return session.get(Article, article_id)


def last_question(session: Session, person_id: int) -> str | None:
    """The person's latest question to the knowledge base (for 有帮助 / 没帮助 feedback)."""
    return session.scalar(select(SearchLog.query).where(SearchLog.asker_id == person_id)
                          .order_by(SearchLog.id.desc()).limit(1))
