"""Routing: which chats hear about a ticket (the team's group, on-duty people, leads)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot.models import Ticket


@dataclass(frozen=True)
class Recipients:
    """Where a new ticket's card goes."""

    group_chat_id: int | None
    private_chat_ids: tuple[int, ...]


def new_ticket_recipients(session: Session, ticket: Ticket) -> Recipients:
    """The team's group; without a group, the team's technicians and leads in private."""
    team = ticket.team
    if team.chat_id is not None:
        return Recipients(team.chat_id, ())
    people = [m.person for m in team.members if m.person.active and m.person.telegram_id]
    people.sort(key=lambda p: p.id)
    return Recipients(None, tuple(dict.fromkeys(p.telegram_id for p in people)))
