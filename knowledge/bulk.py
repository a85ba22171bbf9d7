"""Bulk moves of articles: importing files and exporting Markdown."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge.importer import (
    STAGE_READ,
    Record,
    RecordError,
    existing_by_key,
    read_records,
    source_files,
    upsert,
)
from knowledge.markdown import render_markdown
from knowledge.models import Article
from knowledge.questions import accepted
from knowledge.results import ImportReport

ProgressFn = Callable[[str, int, int], None]
STARTER_DIR = Path(__file__).parent / "starter"


def _collect(
    files: list[Path], report: ImportReport, progress: ProgressFn | None
) -> dict[str, Record]:
    """Read every file; bad files and rows go to the report, later duplicates win."""
    records: dict[str, Record] = {}
    for done, path in enumerate(files, start=1):
        for item in read_records(path):
            if isinstance(item, RecordError):
                report.skipped.append((path, str(item)))
            else:
                records.pop(item.key, None)
                records[item.key] = item
        if progress is not None and (done % 20 == 0 or done == len(files)):
            progress(STAGE_READ, done, len(files))
    return records


def import_records(
    session: Session,
    paths: Iterable[Path],
    *,
    now: datetime,
    default_status: str,
    on_article: Callable[[Article], None],
    progress: ProgressFn | None = None,
) -> ImportReport:
    """Import files into the session; `on_article` sees every created or updated article."""
    report = ImportReport()
    files, bad = source_files(paths)
    report.skipped.extend(bad)
    records = _collect(files, report, progress)
    existing = existing_by_key(session, list(records))
    for key, record in records.items():
        article, outcome = upsert(
            session, existing.get(key), record, default_status=default_status, now=now
        )
        getattr(report, outcome).append(key)
        if outcome != "unchanged":
            on_article(article)
    session.flush()
    return report


def export_markdown(session: Session, directory: Path, statuses: Iterable[str] = ()) -> int:
    """Write each article as `<key>.md` with front matter; return how many were written."""
    directory.mkdir(parents=True, exist_ok=True)
    stmt = select(Article).order_by(Article.key)
    wanted = tuple(statuses)
    if wanted:
        stmt = stmt.where(Article.status.in_(wanted))
    count = 0
    for article in session.scalars(stmt.execution_options(yield_per=500)):
        meta: dict[str, str | list[str]] = {
            "tags": list(article.tags or []),
            "category": article.category or "",
            "status": article.status,
        }
        if article.review_by is not None:
            meta["review_by"] = article.review_by.isoformat()
        if accepted(article):
            meta["questions"] = list(accepted(article))
        text = render_markdown(article.title, article.body, meta)
        (directory / f"{article.key}.md").write_text(text, encoding="utf-8")
        count += 1
    return count
