"""The report flow's look at the knowledge base before a ticket is made."""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session
from telegram.ext import ContextTypes

from handlers.callbacks import pack
from handlers.common import desk_of
from handlers.renderers import report as texts
from handlers.renderers.common import trim
from handlers.renderers.knowledge_hits import hits_text
from knowledge.errors import KnowledgeError

logger = logging.getLogger(__name__)
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
    rows: Rows = []
    for index, hit in enumerate(hits, start=1):
        try:
            rows.append([(f"📄 {index}. {trim(hit.title, 24)}", pack("kb", "view", hit.key)),
                         (f"✅ {index} 解决了我的问题", pack(texts.PREFIX, "solved", hit.key))])
        except ValueError:  # a key that cannot travel in callback data
            logger.warning("article key %r cannot be used in a button", hit.key)
    rows.append([(texts.BUTTON_NEED_TICKET, pack(texts.PREFIX, "need"))])
    return texts.DEFLECTION.format(articles=hits_text(hits)), rows


def record_deflection(context: ContextTypes.DEFAULT_TYPE, session: Session, key: str,
                      person_id: int, description: str) -> bool:
    """Count the report as solved by article `key`; False for a key that is no article."""
    knowledge = desk_of(context).knowledge
    if knowledge is None:
        return False
    try:
        with session.begin_nested():
            knowledge.record_deflection(session, key, person_id, description)
    except KnowledgeError:
        return False
    return True
