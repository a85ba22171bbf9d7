"""Importing articles from Markdown files, CSV and JSON; re-import updates by key."""

from __future__ import annotations

import csv
import io
import json
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge import questions
from knowledge.errors import KnowledgeError
from knowledge.lifecycle import check_content, check_key, clean_tags, edit, new_article
from knowledge.markdown import meta_list, parse_markdown
from knowledge.models import STATUS_VALUES, Article, ArticleStatus

logger = logging.getLogger(__name__)

MARKDOWN_SUFFIXES = (".md", ".markdown")
SUPPORTED_SUFFIXES = (*MARKDOWN_SUFFIXES, ".csv", ".json")
MAX_FILE_BYTES = 5_000_000
BATCH = 500
STAGE_READ = "导入"
NOTE_IMPORT = "导入"

MSG_NOT_UTF8 = "不是 UTF-8 编码的文本"
MSG_TOO_BIG = "文件超过 5 MB"
MSG_UNREADABLE = "无法读取：{error}"
MSG_MISSING = "路径不存在"
MSG_UNSUPPORTED = "不支持的文件类型（只接受 .md .markdown .csv .json）"
MSG_BAD_JSON = "JSON 格式错误：{error}"
MSG_JSON_SHAPE = "JSON 应为文章数组，或含 articles 数组的对象"
MSG_ROW = "第 {row} 条：{reason}"
MSG_ROW_KEY = "缺少 key"
MSG_STATUS = "未知状态 {status}（可用：draft、in_review、published、retired）"

ProgressFn = Callable[[str, int, int], None]
_QUESTION_SPLIT_RE = re.compile(r"[|｜\n]")


@dataclass
class Record:
    """One article read from a file, before it touches the database."""

    key: str
    title: str
    body: str
    tags: list[str]
    category: str | None
    status: str | None
    questions: list[str] = field(default_factory=list)


class RecordError(Exception):
    """A file or row that cannot be imported; the message names the reason."""


def source_files(paths: Iterable[Path]) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Expand paths into importable files (directories recursively) and unusable paths."""
    files: list[Path] = []
    bad: list[tuple[Path, str]] = []
    for path in map(Path, paths):
        if path.is_dir():
            found = (p for p in sorted(path.rglob("*")) if p.is_file())
            files += [p for p in found if p.suffix.lower() in SUPPORTED_SUFFIXES]
        elif path.is_file():
            ok = path.suffix.lower() in SUPPORTED_SUFFIXES
            files.append(path) if ok else bad.append((path, MSG_UNSUPPORTED))
        else:
            bad.append((path, MSG_MISSING))
    return files, bad


def _read_text(path: Path) -> str:
    """Read a UTF-8 file, raising RecordError with a Chinese reason."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise RecordError(MSG_TOO_BIG)
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise RecordError(MSG_NOT_UTF8) from error
    except OSError as error:
        raise RecordError(MSG_UNREADABLE.format(error=error.strerror or error)) from error


def _status(value: object) -> str | None:
    """Validate a status value from a file (None when absent)."""
    if value in (None, "", []):
        return None
    status = str(value).strip().lower().replace("-", "_")
    if status not in STATUS_VALUES:
        raise RecordError(MSG_STATUS.format(status=value))
    return status


def question_list(value: object) -> list[str]:
    """Return similar questions from front matter (a list) or a cell ("|" or lines between)."""
    if isinstance(value, list):
        items = [str(item) for item in value]
    else:
        items = _QUESTION_SPLIT_RE.split(str(value or ""))
    return [item.strip() for item in items if item.strip()]


def _record(
    key: str,
    title: object,
    body: object,
    tags: object,
    category: object,
    status: object,
    questions: object = None,
) -> Record:
    """Build and validate a record from loosely typed fields."""
    try:
        check_key(key)
        text_title, text_body = str(title or "").strip(), str(body or "").strip()
        text_category = str(category).strip() if category else None
        check_content(text_title, text_body, text_category)
    except KnowledgeError as error:
        raise RecordError(str(error)) from error
    tag_list = clean_tags(tags if isinstance(tags, list | str) else None)
    record = Record(key, text_title, text_body, tag_list, text_category, _status(status))
    record.questions = question_list(questions)
    return record


def markdown_record(path: Path) -> Record:
    """Read one Markdown file: key = file stem; title, tags, category from the file."""
    try:
        parsed = parse_markdown(_read_text(path))
    except KnowledgeError as error:
        raise RecordError(str(error)) from error
    meta = parsed.meta
    return _record(
        path.stem,
        parsed.title,
        parsed.body,
        meta_list(meta.get("tags")),
        meta.get("category"),
        meta.get("status"),
        meta.get("questions"),
    )


def _row_records(rows: Iterable[dict[str, object]], path: Path) -> Iterator[Record | RecordError]:
    """Yield records (or the error of a bad row) from CSV or JSON rows."""
    for number, row in enumerate(rows, start=1):
        try:
            if not isinstance(row, dict):
                raise RecordError(MSG_JSON_SHAPE)
            key = str(row.get("key") or "").strip()
            if not key:
                raise RecordError(MSG_ROW_KEY)
            yield _record(
                key,
                row.get("title"),
                row.get("body"),
                row.get("tags"),
                row.get("category"),
                row.get("status"),
                row.get("questions"),
            )
        except RecordError as error:
            yield RecordError(MSG_ROW.format(row=number, reason=error))


def table_records(path: Path) -> Iterator[Record | RecordError]:
    """Read a CSV (header: key,title,body,tags,category,status[,questions]) or JSON file."""
    text = _read_text(path)
    if path.suffix.lower() == ".csv":
        yield from _row_records(csv.DictReader(io.StringIO(text)), path)
        return
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise RecordError(MSG_BAD_JSON.format(error=error.msg)) from error
    rows = data.get("articles") if isinstance(data, dict) else data
    if not isinstance(rows, list):
        raise RecordError(MSG_JSON_SHAPE)
    yield from _row_records(rows, path)


def read_records(path: Path) -> Iterator[Record | RecordError]:
    """Yield the records of any supported file; a failing file yields one RecordError."""
    try:
        if path.suffix.lower() in MARKDOWN_SUFFIXES:
            yield markdown_record(path)
        else:
            yield from table_records(path)
    except RecordError as error:
        yield error


def upsert(
    session: Session,
    existing: Article | None,
    record: Record,
    *,
    default_status: str,
    now: datetime,
) -> tuple[Article, str]:
    """Create or update one article from a record; return it and created/updated/unchanged."""
    if existing is None:
        article = new_article(
            session,
            key=record.key,
            title=record.title,
            body=record.body,
            tags=record.tags,
            category=record.category,
            author_id=None,
            status=record.status or default_status,
            now=now,
            note=NOTE_IMPORT,
        )
        questions.replace_imported(session, article, record.questions, now)
        return article, "created"
    changed = edit(
        session,
        existing,
        editor_id=None,
        now=now,
        note=NOTE_IMPORT,
        title=record.title,
        body=record.body,
        tags=record.tags,
        category=record.category or "",
        allow_retired=True,
    )
    if record.status and record.status != existing.status:
        existing.status = record.status
        existing.revision += 0 if changed else 1
        existing.updated_at = now
        if record.status == ArticleStatus.PUBLISHED and existing.published_at is None:
            existing.published_at = now
        changed = True
    if questions.replace_imported(session, existing, record.questions, now):
        changed = True
    return existing, "updated" if changed else "unchanged"


def existing_by_key(session: Session, keys: list[str]) -> dict[str, Article]:
    """Load the articles that already have one of `keys`."""
    found: dict[str, Article] = {}
    for start in range(0, len(keys), BATCH):
        chunk = keys[start : start + BATCH]
        for article in session.scalars(select(Article).where(Article.key.in_(chunk))):
            found[article.key] = article
    return found
