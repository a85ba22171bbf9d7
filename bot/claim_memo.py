"""Remember, for a few seconds, that a ticket is already taken — so a contested card is cheap.

When a card goes up, many technicians press 「认领」 in the same second. The database decides
the one winner (bot.work.claim: one conditional UPDATE); every other press needs only the
answer "已由 X 认领" or 「无权操作」. The memo keeps, per ticket, who holds it, and per presser,
their team memberships, as read from the database a moment ago; a press it can answer is
refused without a query.

It can only refuse, never grant: a claim is always decided by the database. A ticket entry
lives `ttl` seconds, a presser's `person_ttl`; both are dropped as soon as this process
commits an event of the ticket or a change to people, roles or teams. A change made by
another process (the CLI) shows after at most `ttl` seconds — the worst case is one more
refusal of a press that would now succeed, or a refusal worded for the person's old teams.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from bot.models import Person, PersonRole, Team, TeamMember, TicketEvent
from bot.people import PersonView

#: How long "ticket X is taken" is believed without asking the database again.
TTL_SECONDS = 5.0
#: How long a presser's roles and teams are used to word a refusal. Longer: they only ever
#: choose between two refusals (「无权操作」 or "已由 X 认领"), never allow anything.
PERSON_TTL_SECONDS = 300.0
MAX_ENTRIES = 10_000
_PEOPLE_TYPES = (Person, PersonRole, Team, TeamMember)


@dataclass(frozen=True)
class Taken:
    """A ticket that can no longer be claimed, as last read."""

    holder: str | None
    status: str | None
    team_code: str


class ClaimMemo:
    """Short-lived answers for claim presses that are refused anyway."""

    def __init__(self, ttl: float = TTL_SECONDS, person_ttl: float = PERSON_TTL_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.person_ttl = person_ttl
        self._clock = clock
        self._taken: dict[int, tuple[float, Taken]] = {}
        self._people: dict[int, tuple[float, PersonView | None]] = {}

    def taken(self, ticket_id: int) -> Taken | None:
        return self._fresh(self._taken, ticket_id, self.ttl)[1]

    def remember_taken(self, ticket_id: int, taken: Taken) -> None:
        self._put(self._taken, ticket_id, taken)

    def person(self, telegram_id: int) -> tuple[bool, PersonView | None]:
        """(known, view): known is False when the memo has nothing fresh for this id."""
        return self._fresh(self._people, telegram_id, self.person_ttl)

    def remember_person(self, telegram_id: int, view: PersonView | None) -> None:
        self._put(self._people, telegram_id, view)

    def forget_ticket(self, ticket_id: int) -> None:
        self._taken.pop(ticket_id, None)

    def forget_people(self) -> None:
        self._people.clear()

    def _fresh(self, table: dict[int, tuple[float, Any]], key: int,
               ttl: float) -> tuple[bool, Any]:
        """(found, value) of an entry younger than `ttl`; an older one is dropped."""
        entry = table.get(key)
        if entry is None:
            return False, None
        if self._clock() - entry[0] > ttl:
            table.pop(key, None)  # another thread may have dropped it first
            return False, None
        return True, entry[1]

    def _put(self, table: dict[int, tuple[float, Any]], key: int, value: Any) -> None:
        if len(table) >= MAX_ENTRIES:
            table.clear()  # only ever a cache: starting over is always correct
        table[key] = (self._clock(), value)

    def watch(self, sessions: sessionmaker[Session]) -> None:
        """Forget what this process's committed changes make stale."""

        def after_flush(session: Session, _context: Any) -> None:
            changed = session.info.setdefault("claim_memo", [set(), False])
            for obj in session.new:
                if isinstance(obj, TicketEvent) and obj.ticket_id is not None:
                    changed[0].add(obj.ticket_id)
            if any(isinstance(obj, _PEOPLE_TYPES)
                   for group in (session.new, session.dirty, session.deleted) for obj in group):
                changed[1] = True

        def after_commit(session: Session) -> None:
            changed = session.info.pop("claim_memo", None)
            if changed is None:
                return
            for ticket_id in changed[0]:
                self.forget_ticket(ticket_id)
            if changed[1]:
                self.forget_people()

        def after_rollback(session: Session) -> None:
            session.info.pop("claim_memo", None)

        event.listen(sessions, "after_flush", after_flush)
        event.listen(sessions, "after_commit", after_commit)
        event.listen(sessions, "after_soft_rollback", lambda s, _t: after_rollback(s))
