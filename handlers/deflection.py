"""The report flow's look at the knowledge base before a ticket is made."""

from __future__ import annotations

from sqlalchemy.orm import Session
from telegram.ext import ContextTypes

from handlers.callbacks import as_id, pack
from handlers.common import desk_of
from handlers.knowledge_refs import article_by_id
from handlers.renderers import report as texts
from handlers.renderers.common import trim
from handlers.renderers.knowledge_hits import hits_text
from knowledge.errors import KnowledgeError

Rows = list[list[tuple[str, str]]]


def deflection_articles(context: ContextTypes.DEFAULT_TYPE, session: Session,
                        description: str) -> tuple[str, Rows] | None:
    """Articles matching the description, as text and buttons; None when nothing matches."""
    knowledge = desk_of(context).knowledge
    if knowledge is None:
        return None
    hits = knowledge.matching_articles(session, description, limit=3)
    if not hits:
        return None
    rows: Rows = [[(f"📄 {index}. {trim(hit.title, 20)}", pack("kb", "view", hit.article_id, 0)),
                   (f"✅ {index} 解决了我的问题", pack(texts.PREFIX, "solved", hit.article_id))]
                  for index, hit in enumerate(hits, start=1)]
    rows.append([(texts.BUTTON_NEED_TICKET, pack(texts.PREFIX, "need"))])
    return texts.DEFLECTION.format(articles=hits_text(hits)), rows


def record_deflection(context: ContextTypes.DEFAULT_TYPE, session: Session, article_ref: str,
                      person_id: int, description: str) -> bool:
    """Count the report as solved by the article; False for anything that is no article."""
    knowledge = desk_of(context).knowledge
    article_id = as_id(article_ref)
    article = article_by_id(session, article_id) if article_id is not None else None
    if knowledge is None or article is None or article.status != "published":
        return False
    try:
        with session.begin_nested():
            knowledge.record_deflection(session, article.key, person_id, description)
    except KnowledgeError:
        return False
    return True
