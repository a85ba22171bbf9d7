"""Routing: which chats hear about a ticket (the team's group, on-duty people, leads)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.duty import DutyRoster
from bot.models import Ticket
from bot.settings import Settings


@dataclass(frozen=True)
class Recipients:
    """Where a new ticket's card goes."""

    group_chat_id: int | None
    private_chat_ids: tuple[int, ...]


def new_ticket_recipients(session: Session, ticket: Ticket, roster: DutyRoster,
                          now: datetime) -> Recipients:
    """The team's group and the on-duty technician in private.

    A team without a group gets the card in private: the on-duty person and the leads;
    with neither, every technician of the team (a ticket must reach someone).
    """
    team = ticket.team
    on_duty = roster.on_duty(session, team, now)
    duty_ids = [on_duty.telegram_id] if on_duty is not None and on_duty.telegram_id else []
    if team.chat_id is not None:
        return Recipients(team.chat_id, tuple(duty_ids))
    members = sorted((m for m in team.members if m.person.active and m.person.telegram_id),
                     key=lambda m: m.person.id)
    leads = [m.person.telegram_id for m in members if m.is_lead]
    chosen = duty_ids + leads or [m.person.telegram_id for m in members]
    return Recipients(None, tuple(dict.fromkeys(chosen)))


def teams_without_group(settings: Settings) -> list[str]:
    """Teams with no group chat: their cards go to people in private (`govdesk doctor`)."""
    return [team.code for team in settings.teams if team.chat_id is None]
