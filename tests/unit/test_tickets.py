"""Tickets: numbers, idempotent submission, visibility, the reporter's actions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot import reporter_actions, tickets, work
from bot.desk import Desk
from bot.lifecycle import Origin, TransitionRefused
from bot.models import Ticket
from bot.ticket_numbers import normalise_number
from tests.support.factories import make_ticket, person


@pytest.mark.parametrize(("typed", "number"), [
    ("2611-0042", "2611-0042"), ("26110042", "2611-0042"), ("#2611 0042", "2611-0042"),
    ("２６１１－００４２", "2611-0042"), ("2611-42", None), ("DROP TABLE", None), ("", None),
    ("2611-12345", "2611-12345"),
])
def test_numbers_people_type(typed: str, number: str | None) -> None:
    assert normalise_number(typed) == number


def test_numbers_are_sequential_per_month_and_submission_is_idempotent(desk: Desk) -> None:
    first = make_ticket(desk, key="same")
    again = make_ticket(desk, key="same")
    make_ticket(desk)
    assert first == again
    with desk.sessions.begin() as session:
        numbers = session.scalars(select(Ticket.number).order_by(Ticket.id)).all()
    assert numbers == ["2611-0001", "2611-0002"]


def test_priority_and_due_times_follow_the_matrix(desk: Desk) -> None:
    ticket_id = make_ticket(desk, impact="organization", urgency="outage")
    with desk.sessions.begin() as session:
        ticket = session.get(Ticket, ticket_id)
        assert ticket.priority == "P1"
        assert ticket.response_due_at - ticket.created_at == timedelta(minutes=15)
        assert ticket.resolution_due_at - ticket.created_at == timedelta(hours=4)


def test_who_may_see_a_ticket(desk: Desk) -> None:
    ticket_id = make_ticket(desk, category="network")
    with desk.sessions.begin() as session:
        ticket = session.get(Ticket, ticket_id)
        assert tickets.may_view(person(desk, 1001), ticket)       # the reporter
        assert not tickets.may_view(person(desk, 1002), ticket)   # another reporter
        assert tickets.may_view(person(desk, 2002), ticket)       # a technician of infra
        assert not tickets.may_view(person(desk, 2003), ticket)   # desktop technician
        assert tickets.may_view(person(desk, 3001), ticket)       # supervisor
        assert tickets.may_view(person(desk, 5001), ticket)       # admin
        assert not tickets.may_view(person(desk, 4001), ticket)   # knowledge manager


def test_reporter_cancels_only_while_unclaimed(desk: Desk) -> None:
    reporter, tech = person(desk, 1001), person(desk, 2002)
    first, second = make_ticket(desk), make_ticket(desk)
    assert first != second
    origin = Origin(reporter.id, 1001, "test")
    with desk.sessions.begin() as session:
        reporter_actions.cancel(session, session.get(Ticket, first), reporter, origin,
                                desk.clock.now())
        work.claim(session, second, tech, Origin(tech.id, -1001, "test"), desk.clock.now())
    with desk.sessions.begin() as session:
        with pytest.raises(TransitionRefused, match="无法撤销"):
            reporter_actions.cancel(session, session.get(Ticket, second), reporter, origin,
                                    desk.clock.now())
        with pytest.raises(tickets.TicketError):
            reporter_actions.cancel(session, session.get(Ticket, second), person(desk, 1002),
                                    origin, desk.clock.now())


def _resolved(desk: Desk) -> int:
    tech = person(desk, 2002)
    ticket_id = make_ticket(desk)
    origin = Origin(tech.id, -1001, "test")
    with desk.sessions.begin() as session:
        work.claim(session, ticket_id, tech, origin, desk.clock.now())
        work.resolve(session, session.get(Ticket, ticket_id), tech, "重启了交换机", 30, origin,
                     desk.clock.now())
    return ticket_id


def test_reopen_a_closed_ticket_only_within_the_window(desk: Desk) -> None:
    reporter = person(desk, 1001)
    origin = Origin(reporter.id, 1001, "test")
    ticket_id = _resolved(desk)
    with desk.sessions.begin() as session:
        ticket = session.get(Ticket, ticket_id)
        reporter_actions.confirm(session, ticket, reporter, origin, desk.clock.now())
    desk.clock.advance(timedelta(days=14))
    with desk.sessions.begin() as session:
        ticket = session.get(Ticket, ticket_id)
        with pytest.raises(TransitionRefused, match="超过"):
            reporter_actions.reopen(session, ticket, reporter, "还是不行", origin,
                                    desk.clock.now(), desk.calendar, 5)


def test_reopen_needs_a_reason_and_counts(desk: Desk) -> None:
    reporter = person(desk, 1001)
    origin = Origin(reporter.id, 1001, "test")
    ticket_id = _resolved(desk)
    with desk.sessions.begin() as session:
        ticket = session.get(Ticket, ticket_id)
        with pytest.raises(tickets.TicketError):
            reporter_actions.reopen(session, ticket, reporter, "  ", origin, desk.clock.now(),
                                    desk.calendar, 5)
        reporter_actions.reopen(session, ticket, reporter, "打印还是失败", origin,
                                desk.clock.now(), desk.calendar, 5)
        assert (ticket.status, ticket.reopen_count, ticket.resolved_at) == (
            "in_progress", 1, None)


def test_unconfirmed_resolved_tickets_close_after_working_days(desk: Desk) -> None:
    ticket_id = _resolved(desk)  # Monday 10:00
    desk.clock.advance(timedelta(days=2))  # Wednesday: only two working days
    with desk.sessions.begin() as session:
        assert reporter_actions.close_unconfirmed(session, desk.clock.now(), desk.calendar,
                                                  3) == []
    desk.clock.advance(timedelta(days=1, minutes=1))  # Thursday 10:01: three working days
    with desk.sessions.begin() as session:
        closed = reporter_actions.close_unconfirmed(session, desk.clock.now(), desk.calendar, 3)
        assert [t.id for t in closed] == [ticket_id]
        assert session.get(Ticket, ticket_id).status == "closed"


def test_rating_is_one_to_five_on_own_finished_ticket(desk: Desk) -> None:
    reporter = person(desk, 1001)
    origin = Origin(reporter.id, 1001, "test")
    open_id, done_id = make_ticket(desk), _resolved(desk)
    with desk.sessions.begin() as session:
        with pytest.raises(tickets.TicketError):
            reporter_actions.rate(session, session.get(Ticket, open_id), reporter, 5, origin,
                                  desk.clock.now())
        with pytest.raises(tickets.TicketError):
            reporter_actions.rate(session, session.get(Ticket, done_id), reporter, 6, origin,
                                  desk.clock.now())
        reporter_actions.rate(session, session.get(Ticket, done_id), reporter, 4, origin,
                              desk.clock.now(), "不错")
        assert session.get(Ticket, done_id).rating == 4


def test_work_refusals(desk: Desk) -> None:
    tech, other, outsider = person(desk, 2002), person(desk, 2001), person(desk, 2003)
    ticket_id = make_ticket(desk)
    origin = Origin(tech.id, -1001, "test")
    with desk.sessions.begin() as session:
        with pytest.raises(work.WorkRefused, match="无权操作"):
            work.claim(session, ticket_id, outsider, origin, desk.clock.now())
        work.claim(session, ticket_id, tech, origin, desk.clock.now())
        ticket = session.get(Ticket, ticket_id)
        with pytest.raises(TransitionRefused, match="陈工"):
            work.claim(session, ticket_id, other, origin, desk.clock.now())
        with pytest.raises(work.WorkRefused, match="工作量"):
            work.resolve(session, ticket, tech, "ok", 0, origin, desk.clock.now())
        with pytest.raises(work.WorkRefused, match="不存在"):
            work.reassign_to_team(session, ticket, tech, "nope", origin, desk.clock.now())
        with pytest.raises(work.WorkRefused, match="不存在或不在"):
            work.reassign_to_person(session, ticket, tech, 99999, origin, desk.clock.now())


@pytest.mark.parametrize(("text", "minutes"), [("30", 30), ("1.5小时", 90), ("45分钟", 45),
                                               ("2h", 120)])
def test_effort_as_people_type_it(text: str, minutes: int) -> None:
    assert work.parse_effort(text) == minutes


@pytest.mark.parametrize("text", ["很久", "0", "-5", "99999"])
def test_unreadable_effort(text: str) -> None:
    with pytest.raises(work.WorkRefused):
        work.parse_effort(text)
