"""The knowledge base facade used by the bot, the CLI and tests.

Every method takes the caller's SQLAlchemy session and never commits: the caller owns the
transaction (`with sessions.begin() as session:`). Index writes happen after that commit.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.clock import Clock
from knowledge import bulk, feedback, lifecycle, questions, sync
from knowledge.analysis import warm_up
from knowledge.index import IndexStore
from knowledge.lifecycle import (
    ACTION_APPROVE,
    ACTION_REJECT,
    ACTION_RETIRE,
    ACTION_SUBMIT,
    MSG_COMMENT,
)
from knowledge.models import Article, ArticleQuestion, ArticleStatus, ArticleVersion
from knowledge.results import Gap, Hit, ImportReport, KBStats
from knowledge.searching import ArticleSearch
from knowledge.synonyms import Synonyms

logger = logging.getLogger(__name__)

PUBLISHED = (ArticleStatus.PUBLISHED.value,)
S = ArticleStatus
NOTE_CREATE = "创建"
NOTE_EDIT = "编辑"


class KnowledgeBase:
    """Articles in the database, searched through a derived Whoosh index."""

    def __init__(
        self,
        index_dir: Path,
        clock: Clock,
        synonyms_path: Path | None = None,
        relevance_floor: float = 0.0,
    ) -> None:
        self.clock = clock
        #: Hits covering less of the question are dropped (the bot uses RELEVANCE_FLOOR).
        self.relevance_floor = relevance_floor
        self.store = IndexStore(Path(index_dir))
        self.synonyms = Synonyms(synonyms_path)
        self._search = ArticleSearch(self.store, self.synonyms)
        self._opened = False

    # --- index -----------------------------------------------------------------------------

    def open(self, session: Session) -> str:
        """Load the dictionaries and make the index usable; see `ensure_index`."""
        warm_up()
        return self.ensure_index(session)

    def ensure_index(self, session: Session) -> str:
        """Open the index, rebuilding it if missing, corrupt, of an old schema or out of sync.

        Returns "rebuilt", "repaired" or "ok".
        """
        self._opened = True
        if not self.store.try_open():
            self.store.create_empty()
            sync.rebuild(session, self.store)
            return "rebuilt"
        return "repaired" if sync.reconcile(session, self.store) else "ok"

    def reindex(self, session: Session, progress: sync.ProgressFn | None = None) -> int:
        """Rebuild the index from scratch from the database; return the document count."""
        self._opened = True
        self.store.create_empty()
        return sync.rebuild(session, self.store, progress)

    def close(self) -> None:
        """Release the index files."""
        self.store.close()

    def _ready(self, session: Session) -> None:
        """Open the index on first use and repair it after a failed write."""
        if not self._opened:
            self.open(session)
        elif self.store.dirty:
            sync.reconcile(session, self.store)

    def _changed(self, session: Session, article: Article) -> Article:
        """Queue the article for the index (written after commit) and return it."""
        sync.queue(session, self.store, article)
        return article

    # --- search ----------------------------------------------------------------------------

    def search(
        self,
        session: Session,
        query: str,
        *,
        limit: int = 3,
        statuses: Sequence[str] = PUBLISHED,
        category: str | None = None,
        asker_id: int | None = None,
        log: bool = True,
        floor: float | None = None,
    ) -> list[Hit]:
        """Return the best articles for a natural-language question (never raises on text);
        none when nothing covers `floor` (default: relevance_floor) of the question."""
        self._ready(session)
        question = (query or "").strip()
        floor = self.relevance_floor if floor is None else floor
        found = self._search.find
        hits = found(session, question, limit, statuses, category, floor) if question else []
        if log and question:
            top = hits[0].key if hits else None
            feedback.log_search(session, question, asker_id, len(hits), top, self.clock.now())
        return hits

    def matching_articles(self, session: Session, description: str, limit: int = 3) -> list[Hit]:
        """Return published articles matching a fault description (the report flow)."""
        return self.search(session, description, limit=limit, log=False)

    # --- articles --------------------------------------------------------------------------

    def get(self, session: Session, key: str) -> Article:
        """Return the article with `key` or raise ArticleNotFound."""
        return lifecycle.require(session, key)

    def versions(self, session: Session, key: str) -> list[ArticleVersion]:
        """Return every kept version of an article, oldest first."""
        return list(lifecycle.require(session, key).versions)

    def create_draft(
        self,
        session: Session,
        *,
        title: str,
        body: str,
        tags: Iterable[str] | str | None,
        category: str | None,
        author_id: int | None,
        key: str | None = None,
    ) -> Article:
        """Create a draft (seen by knowledge managers only) with its first version."""
        article = lifecycle.new_article(
            session,
            key=key,
            title=title,
            body=body,
            tags=tags,
            category=category,
            author_id=author_id,
            status=S.DRAFT.value,
            now=self.clock.now(),
            note=NOTE_CREATE,
        )
        return self._changed(session, article)

    def update(
        self,
        session: Session,
        key: str,
        *,
        editor_id: int | None,
        title: str | None = None,
        body: str | None = None,
        tags: Iterable[str] | str | None = None,
        category: str | None = None,
    ) -> Article:
        """Edit an article (not a retired one); the previous content stays as a version."""
        article = lifecycle.require(session, key)
        if lifecycle.edit(
            session,
            article,
            editor_id=editor_id,
            now=self.clock.now(),
            note=NOTE_EDIT,
            title=title,
            body=body,
            tags=tags,
            category=category,
        ):
            self._changed(session, article)
        return article

    def _move(
        self,
        session: Session,
        key: str,
        allowed: tuple[S, ...],
        target: S,
        action: str,
        actor_id: int | None,
        comment: str | None = None,
    ) -> Article:
        """Apply one status transition and queue the index update."""
        article = lifecycle.require(session, key)
        lifecycle.transition(
            session,
            article,
            allowed=tuple(s.value for s in allowed),
            target=target.value,
            action=action,
            actor_id=actor_id,
            now=self.clock.now(),
            comment=comment,
        )
        return self._changed(session, article)

    def submit_for_review(self, session: Session, key: str, by_id: int | None) -> Article:
        """Send a draft to review."""
        return self._move(session, key, (S.DRAFT,), S.IN_REVIEW, ACTION_SUBMIT, by_id)

    def approve(self, session: Session, key: str, reviewer_id: int | None) -> Article:
        """Publish a draft or an article in review."""
        return self._move(
            session, key, (S.DRAFT, S.IN_REVIEW), S.PUBLISHED, ACTION_APPROVE, reviewer_id
        )

    def reject(self, session: Session, key: str, reviewer_id: int | None, comment: str) -> Article:
        """Send an article back to its author as a draft, with the reviewer's comment."""
        if not (comment or "").strip():
            raise lifecycle.InvalidArticle(MSG_COMMENT)
        article = self._move(
            session,
            key,
            (S.DRAFT, S.IN_REVIEW),
            S.DRAFT,
            ACTION_REJECT,
            reviewer_id,
            comment.strip(),
        )
        article.review_comment = comment.strip()
        return article

    def retire(self, session: Session, key: str, by_id: int | None) -> Article:
        """Take an article out of search (it stays in the database with its history)."""
        allowed = (S.DRAFT, S.IN_REVIEW, S.PUBLISHED)
        return self._move(session, key, allowed, S.RETIRED, ACTION_RETIRE, by_id)

    def list_pending_review(self, session: Session) -> list[Article]:
        """Return articles waiting for review (submitted first, then unreviewed drafts)."""
        return lifecycle.pending_review(session)

    # --- use and feedback ------------------------------------------------------------------

    def record_view(self, session: Session, key: str, person_id: int | None = None) -> None:
        """Count that someone opened the full article (查看全文)."""
        lifecycle.require(session, key).views += 1

    def record_feedback(
        self,
        session: Session,
        key: str,
        helpful: bool,
        person_id: int | None,
        query: str | None = None,
    ) -> None:
        """Count 有帮助 / 没帮助; a 没帮助 with its question feeds the gap list, a 有帮助 one
        is proposed as a similar question of the article."""
        article = lifecycle.require(session, key)
        feedback.add_feedback(session, article, helpful, person_id, query, self.clock.now())
        if helpful:
            questions.propose(
                session, article, query, questions.SOURCE_HELPFUL, person_id, self.clock.now()
            )

    def record_deflection(
        self, session: Session, key: str, person_id: int | None, description: str
    ) -> None:
        """Count a report solved by article `key` before it became a ticket (its description
        is proposed as a similar question of the article)."""
        article = lifecycle.require(session, key)
        feedback.add_deflection(session, article, person_id, description, self.clock.now())
        questions.propose(
            session, article, description, questions.SOURCE_RESOLVED, person_id, self.clock.now()
        )

    # --- similar questions -----------------------------------------------------------------

    def attach_question(
        self, session: Session, key: str, text: str, person_id: int | None
    ) -> ArticleQuestion:
        """Attach an accepted similar question to article `key` (searched from then on)."""
        article = lifecycle.require(session, key)
        question = questions.attach(session, article, text, person_id, self.clock.now())
        self._changed(session, article)
        return question

    def question_proposals(self, session: Session, limit: int = 20) -> list[ArticleQuestion]:
        """Return proposed similar questions awaiting a knowledge manager, oldest first."""
        return questions.proposals(session, limit)

    def decide_question(
        self, session: Session, question_id: int, accept: bool, person_id: int | None
    ) -> ArticleQuestion:
        """Accept or reject a proposed similar question."""
        question = questions.decide(session, question_id, accept, person_id, self.clock.now())
        if accept:
            self._changed(session, question.article)
        return question

    def gaps(self, session: Session, limit: int = 20, since: datetime | None = None) -> list[Gap]:
        """Return unanswered or 没帮助 questions, grouped, most frequent and recent first."""
        return feedback.find_gaps(session, limit, since)

    def stats(self, session: Session) -> KBStats:
        """Return article counts, use figures and the index size."""
        self._ready(session)
        return feedback.collect_stats(session, self.store.doc_count())

    # --- import and export -----------------------------------------------------------------

    def import_paths(
        self,
        session: Session,
        paths: Iterable[Path | str],
        progress: sync.ProgressFn | None = None,
        default_status: str = S.PUBLISHED.value,
    ) -> ImportReport:
        """Import Markdown/CSV/JSON files or directories; re-import updates by key."""
        self._ready(session)
        sync.set_progress(session, progress)
        return bulk.import_records(
            session,
            [Path(p) for p in paths],
            now=self.clock.now(),
            default_status=default_status,
            progress=progress,
            on_article=lambda article: self._changed(session, article),
        )

    def export(self, session: Session, directory: Path, statuses: Iterable[str] = ()) -> int:
        """Write articles as Markdown files with front matter; return how many."""
        return bulk.export_markdown(session, Path(directory), statuses)

    def import_starter_if_empty(self, session: Session) -> ImportReport | None:
        """Import the starter knowledge base when there are no articles yet."""
        if session.scalar(select(func.count(Article.id))):
            return None
        report = self.import_paths(session, [bulk.STARTER_DIR])
        logger.info("starter knowledge base imported: %d articles", len(report.created))
        return report
