"""The knowledge base: articles in the database, searched through a Chinese Whoosh index.

A library of its own: it depends on SQLAlchemy, Whoosh and jieba (and `bot.clock` for time),
never on Telegram, handlers or the ticket domain.
"""

from knowledge.errors import (
    ArticleNotFound,
    DuplicateKey,
    IndexUnavailable,
    InvalidArticle,
    InvalidTransition,
    KnowledgeError,
)
from knowledge.models import Article, ArticleStatus, ArticleVersion, Base
from knowledge.results import Gap, Hit, ImportReport, KBStats
from knowledge.searching import RELEVANCE_FLOOR
from knowledge.service import KnowledgeBase
from knowledge.snippets import HIGHLIGHT_CLOSE, HIGHLIGHT_OPEN

__all__ = [
    "HIGHLIGHT_CLOSE",
    "HIGHLIGHT_OPEN",
    "Article",
    "ArticleNotFound",
    "ArticleStatus",
    "ArticleVersion",
    "Base",
    "DuplicateKey",
    "Gap",
    "Hit",
    "ImportReport",
    "IndexUnavailable",
    "InvalidArticle",
    "InvalidTransition",
    "KBStats",
    "KnowledgeBase",
    "KnowledgeError",
    "RELEVANCE_FLOOR",
]
