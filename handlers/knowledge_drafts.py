"""Turn a technician's fix into a knowledge-base draft for the knowledge managers."""

from __future__ import annotations

import logging

from telegram.ext import ContextTypes

from bot.models import Ticket
from bot.people import PersonView
from handlers.common import desk_of
from knowledge.errors import KnowledgeError

logger = logging.getLogger(__name__)

DRAFT_TITLE = "{category}：{summary}"
DRAFT_BODY = ("## 问题现象\n\n{description}\n\n## 解决方法\n\n{resolution}\n\n"
              "（来源：工单 {number}）\n")


def draft_from_ticket(context: ContextTypes.DEFAULT_TYPE, ticket_id: int,
                      person: PersonView) -> str | None:
    """Create a draft from the ticket's description and resolution and send it to review."""
    desk = desk_of(context)
    if desk.knowledge is None:
        return None
    with desk.sessions.begin() as session:
        ticket = session.get(Ticket, ticket_id)
        if ticket is None or not ticket.resolution:
            return None
        summary = " ".join(ticket.description.split())[:30]
        try:
            article = desk.knowledge.create_draft(
                session, title=DRAFT_TITLE.format(category=ticket.category.name, summary=summary),
                body=DRAFT_BODY.format(description=ticket.description,
                                       resolution=ticket.resolution, number=ticket.number),
                tags=[ticket.category.name, "工单经验"], category=ticket.category.code,
                author_id=person.id)
            desk.knowledge.submit_for_review(session, article.key, person.id)
        except KnowledgeError:
            logger.warning("could not draft an article from ticket %s", ticket_id, exc_info=True)
            return None
        return article.key
