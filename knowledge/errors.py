"""Exceptions of the knowledge base; `str(error)` is a Chinese message fit for users."""

from __future__ import annotations

MSG_NOT_FOUND = "文章不存在：{key}"
MSG_BAD_STATE = "状态不允许此操作：文章「{key}」当前为{status}，不能{action}。"
MSG_INVALID = "文章内容不完整：{detail}"
MSG_DUPLICATE = "文章编号已存在：{key}"
MSG_INDEX = "知识库索引不可用：{detail}"

STATUS_LABELS = {
    "draft": "草稿",
    "in_review": "待审核",
    "published": "已发布",
    "retired": "已下线",
}


class KnowledgeError(Exception):
    """Base class: an operation on the knowledge base that cannot be done."""


class ArticleNotFound(KnowledgeError):
    """No article has this key."""

    def __init__(self, key: str) -> None:
        super().__init__(MSG_NOT_FOUND.format(key=key))
        self.key = key


class InvalidTransition(KnowledgeError):
    """The article's status does not allow this action (approve a published article …)."""

    def __init__(self, key: str, status: str, action: str) -> None:
        label = STATUS_LABELS.get(status, status)
        super().__init__(MSG_BAD_STATE.format(key=key, status=label, action=action))
        self.key = key
        self.status = status
        self.action = action


class InvalidArticle(KnowledgeError):
    """Title, body, key or category is missing or unusable."""

    def __init__(self, detail: str) -> None:
        super().__init__(MSG_INVALID.format(detail=detail))
        self.detail = detail


class DuplicateKey(KnowledgeError):
    """Another article already has this key."""

    def __init__(self, key: str) -> None:
        super().__init__(MSG_DUPLICATE.format(key=key))
        self.key = key


class IndexUnavailable(KnowledgeError):
    """The search index could not be opened or written (another writer holds the lock …)."""

    def __init__(self, detail: str) -> None:
        super().__init__(MSG_INDEX.format(detail=detail))
        self.detail = detail
