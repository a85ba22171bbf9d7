"""What users do with answers: views, 有帮助/没帮助, deflections, the search log and gaps."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from knowledge.analysis import normalize_width
from knowledge.models import STATUS_VALUES, Article, Deflection, Feedback, SearchLog
from knowledge.query import MAX_QUESTION_CHARS, prepare, whole_words
from knowledge.results import Gap, KBStats

MAX_LOGGED_CHARS = 1000
NORMALIZED_CHARS = 500
_PUNCT_RE = re.compile(r"[\s\W_]+")


def normalize_question(text: str) -> str:
    """Return the grouping form of a question: its topic terms, in order, space-separated."""
    short = text[:MAX_QUESTION_CHARS]
    terms = whole_words(prepare(short))
    if terms:
        return " ".join(terms)[:NORMALIZED_CHARS]
    return _PUNCT_RE.sub("", normalize_width(short).lower())[:NORMALIZED_CHARS]


def log_search(
    session: Session,
    question: str,
    asker_id: int | None,
    hit_count: int,
    top_key: str | None,
    now: datetime,
) -> None:
    """Record a question and how many articles it found."""
    session.add(
        SearchLog(
            query=question[:MAX_LOGGED_CHARS],
            normalized=normalize_question(question),
            asker_id=asker_id,
            hit_count=hit_count,
            top_key=top_key,
            created_at=now,
        )
    )


def add_feedback(
    session: Session,
    article: Article,
    helpful: bool,
    person_id: int | None,
    query: str | None,
    now: datetime,
) -> None:
    """Count 有帮助 or 没帮助 on the article and keep the vote (with its question)."""
    if helpful:
        article.helpful += 1
    else:
        article.unhelpful += 1
    question = query.strip()[:MAX_LOGGED_CHARS] if query and query.strip() else None
    session.add(
        Feedback(
            article_id=article.id,
            person_id=person_id,
            helpful=helpful,
            query=question,
            normalized=normalize_question(question) if question else None,
            created_at=now,
        )
    )


def add_deflection(
    session: Session, article: Article, person_id: int | None, description: str, now: datetime
) -> None:
    """Count a report that the article solved before it became a ticket."""
    article.deflections += 1
    session.add(
        Deflection(
            article_id=article.id,
            person_id=person_id,
            description=(description or "")[:MAX_LOGGED_CHARS],
            created_at=now,
        )
    )


def _grouped(
    session: Session,
    model: type[SearchLog] | type[Feedback],
    *conditions: object,
    since: datetime | None,
) -> list[tuple[str, int, datetime, str]]:
    """Return (normalized, count, last asked, latest example) per group of `model` rows."""
    stmt = select(
        model.normalized, func.count(), func.max(model.created_at), func.max(model.query)
    ).where(*conditions)
    if since is not None:
        stmt = stmt.where(model.created_at >= since)
    rows = session.execute(stmt.group_by(model.normalized)).all()
    return [(norm, count, last, example) for norm, count, last, example in rows if norm]


def find_gaps(session: Session, limit: int = 20, since: datetime | None = None) -> list[Gap]:
    """Group unanswered and 没帮助 questions; rank by count, then by the latest asked."""
    no_hits = _grouped(session, SearchLog, SearchLog.hit_count == 0, since=since)
    unhelpful = _grouped(
        session,
        Feedback,
        Feedback.helpful.is_(False),
        Feedback.normalized.is_not(None),
        since=since,
    )
    counts: dict[str, list[int]] = {}
    latest: dict[str, tuple[datetime, str]] = {}
    for column, rows in ((0, no_hits), (1, unhelpful)):
        for normalized, count, last, example in rows:
            counts.setdefault(normalized, [0, 0])[column] = count
            if normalized not in latest or last > latest[normalized][0]:
                latest[normalized] = (last, example)
    gaps = [
        Gap(
            question=latest[norm][1],
            normalized=norm,
            count=sum(pair),
            no_result=pair[0],
            unhelpful=pair[1],
            last_asked=latest[norm][0],
        )
        for norm, pair in counts.items()
    ]
    gaps.sort(key=lambda gap: (gap.count, gap.last_asked), reverse=True)
    return gaps[:limit]


def collect_stats(session: Session, indexed: int) -> KBStats:
    """Return article counts by status, use figures and the most viewed articles."""
    by_status = dict.fromkeys(STATUS_VALUES, 0)
    rows = session.execute(select(Article.status, func.count()).group_by(Article.status))
    by_status.update({status: count for status, count in rows})
    totals = session.execute(
        select(
            *(
                func.coalesce(func.sum(column), 0)
                for column in (
                    Article.views,
                    Article.helpful,
                    Article.unhelpful,
                    Article.deflections,
                )
            )
        )
    ).one()
    searches = session.scalar(select(func.count(SearchLog.id))) or 0
    empty = session.scalar(select(func.count(SearchLog.id)).where(SearchLog.hit_count == 0))
    top = session.execute(
        select(Article.key, Article.title, Article.views)
        .where(Article.views > 0)
        .order_by(Article.views.desc(), Article.key)
        .limit(5)
    )
    return KBStats(
        by_status=by_status,
        views=int(totals[0]),
        helpful=int(totals[1]),
        unhelpful=int(totals[2]),
        deflections=int(totals[3]),
        searches=searches,
        searches_without_hits=empty or 0,
        indexed=indexed,
        most_viewed=[(key, title, views) for key, title, views in top],
    )
