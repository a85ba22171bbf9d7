"""Keeping the index in step with the database.

Changes are queued on the session and written to the index right after the caller's
transaction commits; a rollback drops them. If the process dies in between, the index holds an
older `revision` for those articles, and `reconcile()` at the next start rewrites them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from knowledge.index import IndexDoc, IndexStore
from knowledge.models import Article
from knowledge.questions import accepted

logger = logging.getLogger(__name__)

_PENDING = "knowledge.pending_index"
_PROGRESS = "knowledge.index_progress"
#: Above this share of out-of-date documents, rebuild everything instead of patching.
REBUILD_SHARE = 0.3

ProgressFn = Callable[[str, int, int], None]
STAGE_INDEX = "索引"


def doc_of(article: Article) -> IndexDoc:
    """Snapshot what the index needs from an article."""
    return IndexDoc(
        key=article.key,
        revision=article.revision,
        status=article.status,
        category=article.category,
        title=article.title,
        tags=tuple(article.tags or ()),
        body=article.body or "",
        questions=accepted(article),
    )


def queue(session: Session, store: IndexStore, article: Article) -> None:
    """Queue `article` to be written to `store` when the session commits."""
    pending = session.info.setdefault(_PENDING, {})
    _, docs = pending.setdefault(id(store), (store, {}))
    docs[article.key] = doc_of(article)


def set_progress(session: Session, progress: ProgressFn | None) -> None:
    """Report index-writing progress of the next commit to `progress`."""
    if progress is None:
        session.info.pop(_PROGRESS, None)
    else:
        session.info[_PROGRESS] = progress


@event.listens_for(Session, "after_commit")
def _write_after_commit(session: Session) -> None:
    """Write queued documents once the database change is durable."""
    pending = session.info.pop(_PENDING, None)
    progress = session.info.pop(_PROGRESS, None)
    for store, docs in (pending or {}).values():
        try:
            store.apply(_counted(list(docs.values()), progress))
        except Exception:
            store.dirty = True
            logger.exception("knowledge index write failed; it is repaired on the next search")


@event.listens_for(Session, "after_rollback")
def _drop_after_rollback(session: Session) -> None:
    """Forget queued documents of a rolled-back transaction."""
    session.info.pop(_PENDING, None)
    session.info.pop(_PROGRESS, None)


def _counted(docs: list[IndexDoc], progress: ProgressFn | None) -> Iterator[IndexDoc]:
    """Yield docs, reporting progress every 50 documents."""
    for done, doc in enumerate(docs, start=1):
        yield doc
        if progress is not None and (done % 50 == 0 or done == len(docs)):
            progress(STAGE_INDEX, done, len(docs))


def _all_docs(session: Session) -> Iterator[IndexDoc]:
    """Yield a document for every article, streaming from the database."""
    rows = session.scalars(select(Article).order_by(Article.id).execution_options(yield_per=500))
    for article in rows:
        yield doc_of(article)


def rebuild(session: Session, store: IndexStore, progress: ProgressFn | None = None) -> int:
    """Rewrite the whole index from the database; return the number of documents."""
    total = session.scalar(select(func.count(Article.id))) or 0

    def report(done: int) -> None:
        """Report every 200 documents."""
        if progress is not None and (done % 200 == 0):
            progress(STAGE_INDEX, done, max(total, done))

    count = store.replace_all(_all_docs(session), progress=report)
    store.dirty = False
    logger.info("knowledge index rebuilt with %d articles", count)
    return count


def reconcile(session: Session, store: IndexStore) -> int:
    """Bring the index in step with the database; return how many documents were fixed."""
    in_db = dict(session.execute(select(Article.key, Article.revision)).all())
    in_index = store.stamps()
    stale = [key for key, revision in in_db.items() if in_index.get(key) != revision]
    removed = [key for key in in_index if key not in in_db]
    if not stale and not removed:
        store.dirty = False
        return 0
    if len(stale) > max(50, REBUILD_SHARE * len(in_db)):
        return rebuild(session, store)
    articles = session.scalars(select(Article).where(Article.key.in_(stale))).all()
    store.apply([doc_of(article) for article in articles], deletions=removed)
    store.dirty = False
    logger.info("knowledge index: %d stale, %d removed articles fixed", len(stale), len(removed))
    return len(stale) + len(removed)
