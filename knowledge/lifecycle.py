"""Article life cycle: drafts, edits kept as versions, review, publication, retirement."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from knowledge.errors import ArticleNotFound, DuplicateKey, InvalidArticle, InvalidTransition
from knowledge.models import (
    KEY_LENGTH,
    TITLE_LENGTH,
    Article,
    ArticleEvent,
    ArticleStatus,
    ArticleVersion,
)

REVIEW_PERIOD = timedelta(days=365)
MAX_BODY_CHARS = 200_000
MAX_TAGS = 20
KEY_PREFIX = "KB-"

ACTION_EDIT = "编辑"
ACTION_SUBMIT = "提交审核"
ACTION_APPROVE = "审核通过"
ACTION_REJECT = "退回"
ACTION_RETIRE = "下线"
MSG_TITLE = "标题不能为空，且不超过 {n} 个字"
MSG_BODY = "正文不能为空，且不超过 {n} 个字"
MSG_KEY = "编号不能为空，不超过 {n} 个字符，且不能含有 / \\ 或空白"
MSG_CATEGORY = "分类代码只能由字母、数字、- 和 _ 组成"
MSG_COMMENT = "退回时请写明原因"

_KEY_BAD_RE = re.compile(r"[/\\\s]")
_CATEGORY_RE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
_TAG_SPLIT_RE = re.compile(r"[,，、;；#\s]+")


def clean_tags(tags: Iterable[str] | str | None) -> list[str]:
    """Return distinct, trimmed tags (a string is split on commas, 、, ; and spaces)."""
    if tags is None:
        return []
    items = _TAG_SPLIT_RE.split(tags) if isinstance(tags, str) else tags
    cleaned = dict.fromkeys(tag.strip()[:40] for tag in items if tag and tag.strip())
    return list(cleaned)[:MAX_TAGS]


def check_content(title: str, body: str, category: str | None) -> None:
    """Raise InvalidArticle when title, body or category is unusable."""
    if not title.strip() or len(title) > TITLE_LENGTH:
        raise InvalidArticle(MSG_TITLE.format(n=TITLE_LENGTH))
    if not body.strip() or len(body) > MAX_BODY_CHARS:
        raise InvalidArticle(MSG_BODY.format(n=MAX_BODY_CHARS))
    if category and not _CATEGORY_RE.match(category):
        raise InvalidArticle(MSG_CATEGORY)


def check_key(key: str) -> None:
    """Raise InvalidArticle when `key` cannot be an article key (or a file name)."""
    if not key or len(key) > KEY_LENGTH or _KEY_BAD_RE.search(key) or key.startswith("."):
        raise InvalidArticle(MSG_KEY.format(n=KEY_LENGTH))


def find(session: Session, key: str) -> Article | None:
    """Return the article with `key`, or None."""
    return session.scalar(select(Article).where(Article.key == key))


def require(session: Session, key: str) -> Article:
    """Return the article with `key` or raise ArticleNotFound."""
    article = find(session, key)
    if article is None:
        raise ArticleNotFound(key)
    return article


def next_key(session: Session) -> str:
    """Return an unused key of the form KB-0001."""
    number = (session.scalar(select(func.max(Article.id))) or 0) + 1
    while find(session, f"{KEY_PREFIX}{number:04d}") is not None:
        number += 1
    return f"{KEY_PREFIX}{number:04d}"


def add_event(
    session: Session,
    article: Article,
    action: str,
    actor_id: int | None,
    now: datetime,
    comment: str | None = None,
) -> None:
    """Append a life-cycle event to the article's history."""
    session.add(
        ArticleEvent(
            article_id=article.id,
            action=action,
            actor_id=actor_id,
            comment=comment,
            created_at=now,
        )
    )


def new_article(
    session: Session,
    *,
    key: str | None,
    title: str,
    body: str,
    tags: Iterable[str] | str | None,
    category: str | None,
    author_id: int | None,
    status: str,
    now: datetime,
    note: str,
) -> Article:
    """Create an article with its first version; raise DuplicateKey if the key is taken."""
    check_content(title, body, category)
    key = key or next_key(session)
    check_key(key)
    if find(session, key) is not None:
        raise DuplicateKey(key)
    article = Article(
        key=key,
        title=title.strip(),
        body=body.strip(),
        tags=clean_tags(tags),
        category=category or None,
        status=status,
        author_id=author_id,
        owner_id=author_id,
        version=1,
        revision=1,
        views=0,
        helpful=0,
        unhelpful=0,
        deflections=0,
        created_at=now,
        updated_at=now,
        published_at=now if status == ArticleStatus.PUBLISHED else None,
    )
    if status == ArticleStatus.PUBLISHED:
        article.review_by = (now + REVIEW_PERIOD).date()
    session.add(article)
    session.flush()
    _add_version(session, article, author_id, now, note)
    return article


def _add_version(
    session: Session, article: Article, editor_id: int | None, now: datetime, note: str
) -> None:
    """Keep the article's current content as version `article.version`."""
    session.add(
        ArticleVersion(
            article_id=article.id,
            version=article.version,
            title=article.title,
            body=article.body,
            tags=list(article.tags or []),
            category=article.category,
            editor_id=editor_id,
            note=note,
            created_at=now,
        )
    )


def edit(
    session: Session,
    article: Article,
    *,
    editor_id: int | None,
    now: datetime,
    note: str,
    title: str | None = None,
    body: str | None = None,
    tags: Iterable[str] | str | None = None,
    category: str | None = None,
    allow_retired: bool = False,
) -> bool:
    """Change the content, keeping a new version; return False when nothing changed."""
    if article.status == ArticleStatus.RETIRED and not allow_retired:
        raise InvalidTransition(article.key, article.status, ACTION_EDIT)
    new_title = article.title if title is None else title.strip()
    new_body = article.body if body is None else body.strip()
    new_tags = list(article.tags or []) if tags is None else clean_tags(tags)
    new_category = article.category if category is None else (category or None)
    check_content(new_title, new_body, new_category)
    current = (article.title, article.body, list(article.tags or []), article.category)
    if (new_title, new_body, new_tags, new_category) == current:
        return False
    article.title, article.body, article.tags = new_title, new_body, new_tags
    article.category = new_category
    article.version += 1
    article.revision += 1
    article.updated_at = now
    article.review_comment = None
    _add_version(session, article, editor_id, now, note)
    return True


def transition(
    session: Session,
    article: Article,
    *,
    allowed: tuple[str, ...],
    target: str,
    action: str,
    actor_id: int | None,
    now: datetime,
    comment: str | None = None,
) -> None:
    """Move the article to `target` if its status is in `allowed`, recording an event."""
    if article.status not in allowed:
        raise InvalidTransition(article.key, article.status, action)
    article.status = target
    article.revision += 1
    article.updated_at = now
    if target == ArticleStatus.PUBLISHED:
        article.published_at = now
        article.reviewer_id = actor_id
        article.review_comment = None
        article.review_by = (now + REVIEW_PERIOD).date()
    elif target == ArticleStatus.RETIRED:
        article.retired_at = now
    add_event(session, article, action, actor_id, now, comment)


def pending_review(session: Session) -> list[Article]:
    """Articles waiting for a reviewer: submitted ones, then drafts not sent back, oldest first."""
    waiting = (Article.status == ArticleStatus.IN_REVIEW) | (
        (Article.status == ArticleStatus.DRAFT) & Article.review_comment.is_(None)
    )
    rows = session.scalars(select(Article).where(waiting).order_by(Article.updated_at)).all()
    return sorted(rows, key=lambda a: a.status != ArticleStatus.IN_REVIEW)
