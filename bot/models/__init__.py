"""The desk's database models (the knowledge base has its own, in knowledge.models)."""

from bot.models.base import Base, UtcDateTime
from bot.models.conversation import Conversation
from bot.models.outbox import Notification
from bot.models.people import Category, Person, PersonRole, Team, TeamMember
from bot.models.tickets import (
    MessageLink,
    Ticket,
    TicketAttachment,
    TicketCounter,
    TicketEvent,
)

__all__ = [
    "Base",
    "Category",
    "Conversation",
    "MessageLink",
    "Notification",
    "Person",
    "PersonRole",
    "Team",
    "TeamMember",
    "Ticket",
    "TicketAttachment",
    "TicketCounter",
    "TicketEvent",
    "UtcDateTime",
]
