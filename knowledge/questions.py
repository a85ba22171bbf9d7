"""Similar questions (相似问法): alternative wordings of what an article answers.

They come from the desk itself. A knowledge manager attaches a question (from the gap list, or
typed) to an article: it is accepted at once. A question after which the asker found the
article helpful (有帮助), or a report description the article solved (问题已解决), is only
proposed: the manager accepts or rejects it. Accepted questions are indexed as the article's
`questions` field; accepting one bumps the article's revision for the index.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge.errors import InvalidArticle, KnowledgeError
from knowledge.feedback import normalize_question
from knowledge.models import QUESTION_LENGTH, Article, ArticleQuestion, QuestionStatus

logger = logging.getLogger(__name__)

SOURCE_MANAGER = "manager"
SOURCE_HELPFUL = "helpful"
SOURCE_RESOLVED = "resolved"
SOURCE_IMPORT = "import"
#: At most this many accepted questions per article (keeps the field a list of wordings).
MAX_QUESTIONS = 50
MIN_QUESTION_CHARS = 2

MSG_TOO_SHORT = "相似问法太短"
MSG_TOO_MANY = "每篇文章最多 {limit} 条相似问法"
MSG_NO_PROPOSAL = "没有这条待审的相似问法"

S = QuestionStatus


def clean_question(text: str) -> tuple[str, str]:
    """Return (text, normalized form) of a question, or raise InvalidArticle when empty."""
    text = " ".join((text or "").split())[:QUESTION_LENGTH]
    normalized = normalize_question(text)[:QUESTION_LENGTH]
    if len(normalized) < MIN_QUESTION_CHARS:
        raise InvalidArticle(MSG_TOO_SHORT)
    return text, normalized


def accepted(article: Article) -> tuple[str, ...]:
    """Return the article's accepted questions (what the index holds), oldest first."""
    return tuple(q.text for q in article.questions if q.status == S.ACCEPTED.value)


def _existing(article: Article, normalized: str) -> ArticleQuestion | None:
    """Return the article's question with this normalized form, if any."""
    return next((q for q in article.questions if q.normalized == normalized), None)


def attach(
    session: Session,
    article: Article,
    text: str,
    person_id: int | None,
    now: datetime,
    source: str = SOURCE_MANAGER,
) -> ArticleQuestion:
    """Attach an accepted question to the article (accepting a proposal of the same text)."""
    text, normalized = clean_question(text)
    question = _existing(article, normalized)
    if question is None:
        if len(accepted(article)) >= MAX_QUESTIONS:
            raise InvalidArticle(MSG_TOO_MANY.format(limit=MAX_QUESTIONS))
        question = ArticleQuestion(
            text=text, normalized=normalized, source=source, person_id=person_id, created_at=now
        )
        article.questions.append(question)
    if question.status != S.ACCEPTED.value:
        question.status = S.ACCEPTED.value
        question.decided_by, question.decided_at = person_id, now
        article.revision += 1
    session.flush()
    return question


def propose(
    session: Session,
    article: Article,
    text: str | None,
    source: str,
    person_id: int | None,
    now: datetime,
) -> ArticleQuestion | None:
    """Propose a question for the manager; None when empty, the title, or already known."""
    try:
        text, normalized = clean_question(text or "")
    except KnowledgeError:
        return None
    if normalized == normalize_question(article.title) or _existing(article, normalized):
        return None
    question = ArticleQuestion(
        text=text,
        normalized=normalized,
        status=S.PROPOSED.value,
        source=source,
        person_id=person_id,
        created_at=now,
    )
    article.questions.append(question)
    session.flush()
    return question


def decide(
    session: Session, question_id: int, accept: bool, person_id: int | None, now: datetime
) -> ArticleQuestion:
    """Accept or reject a proposed question; raise KnowledgeError when there is none."""
    question = session.get(ArticleQuestion, question_id)
    if question is None or question.status != S.PROPOSED.value:
        raise KnowledgeError(MSG_NO_PROPOSAL)
    if accept:
        return attach(session, question.article, question.text, person_id, now, question.source)
    question.status = S.REJECTED.value
    question.decided_by, question.decided_at = person_id, now
    return question


def proposals(session: Session, limit: int = 20) -> list[ArticleQuestion]:
    """Return pending proposals, oldest first."""
    query = (
        select(ArticleQuestion)
        .where(ArticleQuestion.status == S.PROPOSED.value)
        .order_by(ArticleQuestion.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def replace_imported(
    session: Session, article: Article, texts: Iterable[str], now: datetime
) -> bool:
    """Make the imported questions accepted (others kept); True when any was added."""
    added = False
    for text in texts:
        try:
            _, normalized = clean_question(text)
        except KnowledgeError:
            continue
        known = _existing(article, normalized)
        if known is None or known.status != S.ACCEPTED.value:
            attach(session, article, text, None, now, SOURCE_IMPORT)
            added = True
    return added
