"""Answering questions: concepts → index candidates → database check → ranked hits."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session
from whoosh.searching import Searcher

from knowledge.analysis import name_candidates
from knowledge.index import IndexStore
from knowledge.markdown import plain_text
from knowledge.models import Article
from knowledge.query import MAX_QUESTION_CHARS, Concept, concepts_of, filter_query
from knowledge.ranking import CANDIDATES, Candidate, candidates_for, feedback_lift
from knowledge.results import Hit
from knowledge.scorer import TermScores
from knowledge.snippets import make_snippet
from knowledge.synonyms import Synonyms

MAX_LIMIT = 50
SCORE_DIGITS = 4
#: Snippets are cut from the start of long articles only.
SNIPPET_SOURCE_CHARS = 6000
#: Articles whose plain text is kept for snippets (oldest dropped first; ≈3 MB at most).
PLAIN_TEXTS_KEPT = 512
#: The bot shows no hit covering less than this share of the question's concepts: below it the
#: best article is unrelated more often than not (chosen on the dev sets, docs/BENCHMARKS.md).
RELEVANCE_FLOOR = 0.3


class ArticleSearch:
    """Searches the index for a question and builds hits from current database rows."""

    def __init__(self, store: IndexStore, synonyms: Synonyms) -> None:
        self.store = store
        self.synonyms = synonyms
        self._filters: dict[tuple[int, tuple[str, ...], str | None], set[int] | None] = {}
        self._scores: TermScores | None = None
        self._scores_serial = -1
        self._plain_texts: dict[tuple[int, int], str] = {}

    def _allowed(
        self, searcher: Searcher, statuses: tuple[str, ...], category: str | None
    ) -> set[int] | None:
        """Return the docnums passing the status/category filter (cached per searcher)."""
        serial = self.store.searcher_serial
        cache_key = (serial, statuses, category)
        if cache_key not in self._filters:
            query = filter_query(statuses, category)
            if len(self._filters) > 32 or any(k[0] != serial for k in self._filters):
                self._filters.clear()
            self._filters[cache_key] = None if query is None else set(query.docs(searcher))
        return self._filters[cache_key]

    def _candidates(
        self,
        concepts: list[Concept],
        names: list[str],
        limit: int,
        statuses: tuple[str, ...],
        category: str | None,
    ) -> list[Candidate]:
        """Return re-ranked candidates from the index for the concepts."""
        with self.store.lock:
            searcher = self.store.searcher()
            if self._scores is None or self._scores_serial != self.store.searcher_serial:
                self._scores = TermScores(searcher)
                self._scores_serial = self.store.searcher_serial
            allowed = self._allowed(searcher, statuses, category)
            if allowed is not None and not allowed:
                return []
            wanted = max(CANDIDATES, limit)
            return candidates_for(self._scores, concepts, names, allowed, wanted)

    def find(
        self,
        session: Session,
        question: str,
        limit: int,
        statuses: Sequence[str],
        category: str | None,
        floor: float = 0.0,
    ) -> list[Hit]:
        """Return up to `limit` hits for a question (empty for empty or syntax-only text, or
        when no article covers at least `floor` of what the question asks)."""
        limit = max(1, min(int(limit), MAX_LIMIT))
        wanted = tuple(sorted(set(statuses)))
        concepts = concepts_of(question, self.synonyms)
        names = name_candidates(question[:MAX_QUESTION_CHARS])
        candidates = self._candidates(concepts, names, limit, wanted, category)
        if not candidates:
            return []
        ranked = self._rerank(session, candidates, wanted, category)
        ranked = [c for c in ranked if c.coverage >= floor][:limit]
        return self._hits(session, ranked, concepts)

    def _rerank(
        self,
        session: Session,
        candidates: list[Candidate],
        statuses: tuple[str, ...],
        category: str | None,
    ) -> list[Candidate]:
        """Drop candidates the database no longer allows and apply the feedback lift."""
        keys = [c.key for c in candidates]
        rows = session.execute(
            select(
                Article.key,
                Article.status,
                Article.category,
                Article.helpful,
                Article.unhelpful,
                Article.views,
            ).where(Article.key.in_(keys))
        )
        lift: dict[str, float] = {}
        for key, status, row_category, helpful, unhelpful, views in rows:
            if (not statuses or status in statuses) and (not category or row_category == category):
                lift[key] = feedback_lift(helpful, unhelpful, views)
        kept = [c for c in candidates if c.key in lift]
        for candidate in kept:
            candidate.score *= lift[candidate.key]
        kept.sort(key=lambda c: -c.score)
        return kept

    def _hits(
        self, session: Session, ranked: list[Candidate], concepts: list[Concept]
    ) -> list[Hit]:
        """Build hits (title, snippet) for the ranked candidates."""
        keys = [c.key for c in ranked]
        articles = {
            a.key: a for a in session.scalars(select(Article).where(Article.key.in_(keys)))
        }
        terms: dict[str, float] = {}
        for concept in concepts:
            for term, weight in concept.terms:
                terms[term] = max(weight * concept.weight, terms.get(term, 0.0))
        hits = []
        for candidate in ranked:
            article = articles[candidate.key]
            snippet = make_snippet(self._plain(article), terms)
            hits.append(
                Hit(
                    key=article.key,
                    title=article.title,
                    score=round(candidate.score, SCORE_DIGITS),
                    snippet=snippet,
                    category=article.category,
                    article_id=article.id,
                    relevance=round(candidate.coverage, SCORE_DIGITS),
                )
            )
        return hits

    def _plain(self, article: Article) -> str:
        """The start of the article as plain text, kept per revision (the same popular
        articles answer most questions; converting Markdown each time cost ~0.3 ms a hit)."""
        cache_key = (article.id, article.revision)
        text = self._plain_texts.get(cache_key)
        if text is None:
            text = plain_text(article.body[:SNIPPET_SOURCE_CHARS])
            if len(self._plain_texts) >= PLAIN_TEXTS_KEPT:
                self._plain_texts.pop(next(iter(self._plain_texts)))
            self._plain_texts[cache_key] = text
        return text
