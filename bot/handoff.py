"""The duty hand-off (交接班) message's content: who is on duty, what is open and at risk.

Plain data; the SLA scheduler decides when to send it (at `Turn.starts_at` of each new
turn — use it in the outbox dedupe key) and handlers.renderers.duty.handoff_text renders it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.duty import DutyRoster, Turn
from bot.models import Person, Team
from bot.priority import SlaPolicy
from bot.queues import TicketBrief, team_open

_JUST_BEFORE = timedelta(microseconds=1)


@dataclass(frozen=True)
class PersonRef:
    """A person as a message needs them: who, and where to write to them."""

    id: int
    telegram_id: int | None
    name: str


@dataclass(frozen=True)
class HandoffData:
    """Everything a hand-off message says about one team at one moment."""

    team_code: str
    team_name: str
    group_chat_id: int | None
    at: datetime
    on_duty: PersonRef | None
    turn_starts_at: datetime | None
    turn_ends_at: datetime | None
    handed_over_by: PersonRef | None
    next_on_duty: PersonRef | None
    open_tickets: tuple[TicketBrief, ...]
    at_risk: tuple[TicketBrief, ...]
    unclaimed: int


def _ref(person: Person | None) -> PersonRef | None:
    return PersonRef(person.id, person.telegram_id, person.name) if person else None


def handoff_message_data(session: Session, roster: DutyRoster, sla: SlaPolicy, team: Team,
                         at: datetime) -> HandoffData:
    """Who is on duty for `team` at `at` (and who was before), its open and at-risk tickets."""
    turn: Turn = roster.turn_at(session, team, at)
    before = None
    if turn.starts_at is not None:
        before = roster.on_duty(session, team, turn.starts_at - _JUST_BEFORE)
    following = roster.next_turn(session, team, at)
    tickets = team_open(session, sla, team, at)
    return HandoffData(
        team_code=team.code, team_name=team.name, group_chat_id=team.chat_id, at=at,
        on_duty=_ref(turn.person), turn_starts_at=turn.starts_at, turn_ends_at=turn.ends_at,
        handed_over_by=_ref(before) if _ref(before) != _ref(turn.person) else None,
        next_on_duty=_ref(following.person) if following else None,
        open_tickets=tuple(tickets),
        at_risk=tuple(t for t in tickets if t.at_risk),
        unclaimed=sum(1 for t in tickets if t.status == "new"),
    )
