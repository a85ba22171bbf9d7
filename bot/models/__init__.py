"""The desk's database models (the knowledge base has its own, in knowledge.models)."""

from bot.models.base import Base, UtcDateTime
from bot.models.chats import ChatMigration
from bot.models.conversation import Conversation
from bot.models.duty import DutyOverride
from bot.models.jobs import JobRun
from bot.models.outbox import Notification
from bot.models.people import Category, Person, PersonRole, Team, TeamMember
from bot.models.sla import SlaAlert
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
    "ChatMigration",
    "Conversation",
    "DutyOverride",
    "JobRun",
    "MessageLink",
    "Notification",
    "Person",
    "PersonRole",
    "Team",
    "SlaAlert",
    "TeamMember",
    "Ticket",
    "TicketAttachment",
    "TicketCounter",
    "TicketEvent",
    "UtcDateTime",
]
