"""The desk's database models (the knowledge base has its own, in knowledge.models)."""

from bot.models.base import Base, UtcDateTime
from bot.models.conversation import Conversation
from bot.models.people import Category, Person, PersonRole, Team, TeamMember

__all__ = [
    "Base",
    "Category",
    "Conversation",
    "Person",
    "PersonRole",
    "Team",
    "TeamMember",
    "UtcDateTime",
]
