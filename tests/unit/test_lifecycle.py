"""The ticket lifecycle: every allowed transition, every illegal one, and the event log."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.desk import Desk
from bot.lifecycle import (
    STATUS_LABELS,
    TRANSITIONS,
    Origin,
    TransitionRefused,
    apply,
    can,
)
from bot.models import Ticket, TicketEvent
from tests.support.factories import make_ticket

ALL = tuple(STATUS_LABELS)
CASES = [(action, status) for action in TRANSITIONS for status in ALL]


@pytest.mark.parametrize(("action", "status"), CASES)
def test_every_transition_is_allowed_or_refused_whole(desk: Desk, action: str,
                                                      status: str) -> None:
    ticket_id = make_ticket(desk)
    with desk.sessions.begin() as session:
        ticket = session.get(Ticket, ticket_id)
        ticket.status = status
    with desk.sessions.begin() as session:
        ticket = session.get(Ticket, ticket_id)
        before = session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket_id)
                                 ).all()
        origin = Origin(None, None, "test")
        if can(action, status):
            event = apply(session, ticket, action, origin, desk.clock.now(), note="n")
            expected = TRANSITIONS[action][1] or status
            assert ticket.status == expected
            assert (event.from_status, event.to_status, event.kind) == (status, expected, action)
        else:
            with pytest.raises(TransitionRefused) as refused:
                apply(session, ticket, action, origin, desk.clock.now())
            assert STATUS_LABELS[status] in str(refused.value)
            assert ticket.status == status
            after = session.scalars(select(TicketEvent).where(
                TicketEvent.ticket_id == ticket_id)).all()
            assert len(after) == len(before)


def test_the_happy_path_is_allowed() -> None:
    path = ["claim", "start", "pend", "resume", "resolve", "reopen", "resolve", "confirm"]
    status = "new"
    for action in path:
        assert can(action, status), (action, status)
        status = TRANSITIONS[action][1] or status
    assert status == "closed"


def test_cancel_only_before_anyone_claims() -> None:
    assert can("cancel", "new")
    assert not any(can("cancel", s) for s in ALL if s != "new")
