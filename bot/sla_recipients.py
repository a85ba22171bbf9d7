"""Who hears about a ticket's SLA: the assignee, the on-duty technician, the team group, the
team, its leads, the supervisors — resolved to chats, each chat once."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import Person, PersonRole, Team, Ticket

# When a level's configured recipients resolve to nobody (no group, no leads configured …),
# these are tried in turn, so an alert is never silently dropped.
FALLBACKS = {
    "reminder": ("team_group", "team", "leads", "supervisors"),
    "lead": ("supervisors",),
    "supervisor": (),
}


class Roster(Protocol):
    """What the SLA needs from the duty roster (bot.duty.DutyRoster fits)."""

    def on_duty(self, session: Session, team: Team, at: datetime) -> Person | None: ...


@dataclass(frozen=True)
class Recipient:
    """A chat that is told: a person's private chat or a team's group."""

    chat_id: int
    name: str
    kind: str  # "person" or "group"
    person_id: int | None = None


def resolve(session: Session, ticket: Ticket, names: Iterable[str], level: str,
            roster: Roster | None, now: datetime) -> tuple[Recipient, ...]:
    """The chats for `names` (config recipients), falling back when they give nobody."""
    return Directory(session, roster, now).recipients(ticket, names, level)


class Directory:
    """Resolves recipients for many tickets at one moment, asking for the supervisors and
    each team's on-duty technician only once (a sweep handles hundreds of tickets)."""

    def __init__(self, session: Session, roster: Roster | None, now: datetime) -> None:
        self.session, self.roster, self.now = session, roster, now
        self._on_duty: dict[int, Person | None] = {}
        self._supervisors: list[Person] | None = None

    def recipients(self, ticket: Ticket, names: Iterable[str],
                   level: str) -> tuple[Recipient, ...]:
        found = self._collect(ticket, names)
        for fallback in FALLBACKS.get(level, ()):
            if found:
                break
            found = self._collect(ticket, (fallback,))
        return found

    def _collect(self, ticket: Ticket, names: Iterable[str]) -> tuple[Recipient, ...]:
        chats: dict[int, Recipient] = {}
        for name in names:
            for recipient in self._one(ticket, name):
                chats.setdefault(recipient.chat_id, recipient)
        return tuple(chats.values())

    def _one(self, ticket: Ticket, name: str) -> list[Recipient]:
        team = ticket.team
        if name == "assignee":
            return _person(ticket.assignee)
        if name == "on_duty":
            return _person(self.on_duty(team))
        if name == "team_group":
            return [Recipient(team.chat_id, team.name, "group")] if team.chat_id else []
        members = sorted(team.members, key=lambda m: (m.position, m.person_id))
        if name == "team":
            return [r for m in members if m.person.has_role("technician", "lead")
                    for r in _person(m.person)]
        if name == "leads":
            return [r for m in members if m.is_lead for r in _person(m.person)]
        if name == "supervisors":
            return [r for p in self.supervisors() for r in _person(p)]
        return []

    def on_duty(self, team: Team) -> Person | None:
        if self.roster is None:
            return None
        if team.id not in self._on_duty:
            self._on_duty[team.id] = self.roster.on_duty(self.session, team, self.now)
        return self._on_duty[team.id]

    def supervisors(self) -> list[Person]:
        if self._supervisors is None:
            self._supervisors = supervisors(self.session)
        return self._supervisors


def _person(person: Person | None) -> list[Recipient]:
    if person is None or not person.active or person.telegram_id is None:
        return []
    return [Recipient(person.telegram_id, person.name, "person", person.id)]


def supervisors(session: Session) -> list[Person]:
    """Active people with the supervisor role."""
    return list(session.scalars(
        select(Person).join(PersonRole, PersonRole.person_id == Person.id)
        .where(PersonRole.role == "supervisor", Person.active).order_by(Person.id)))
