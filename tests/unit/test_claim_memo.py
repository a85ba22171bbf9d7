"""The claim memo: short-lived refusals for contested cards, forgotten when things change."""

from __future__ import annotations

from sqlalchemy import select

from bot.claim_memo import ClaimMemo, Taken
from bot.desk import Desk
from bot.lifecycle import Origin
from bot.models import Person
from bot.people import find_by_telegram_id, view_by_telegram_id
from bot.tickets import Report, submit
from bot.work import claim


class Ticking:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_entries_expire_after_their_time_to_live() -> None:
    clock = Ticking()
    memo = ClaimMemo(ttl=5, person_ttl=60, clock=clock)
    memo.remember_taken(7, Taken("李工", "assigned", "infra"))
    memo.remember_person(2002, None)
    assert memo.taken(7) == Taken("李工", "assigned", "infra")
    assert memo.person(2002) == (True, None)
    assert memo.person(2003) == (False, None)
    clock.now += 5.5
    assert memo.taken(7) is None
    assert memo.person(2002) == (True, None)
    clock.now += 60
    assert memo.person(2002) == (False, None)


def _reporter_ticket(desk: Desk) -> int:
    with desk.sessions.begin() as session:
        reporter = view_by_telegram_id(session, 1001)
        ticket, _ = submit(session, desk.sla, desk.timezone, reporter,
                           Report("network", "交换机端口告警", "department", "work_affected"),
                           "memo-1", Origin(reporter.id), desk.clock.now())
        return ticket.id


def test_a_committed_ticket_event_forgets_the_ticket(desk: Desk) -> None:
    memo = desk.claim_memo
    ticket_id = _reporter_ticket(desk)
    memo.remember_taken(ticket_id, Taken("李工", "assigned", "infra"))
    memo.remember_taken(ticket_id + 1, Taken("王工", "assigned", "infra"))
    with desk.sessions.begin() as session:
        lead = view_by_telegram_id(session, 2001)
        claim(session, ticket_id, lead, Origin(lead.id), desk.clock.now())
        assert memo.taken(ticket_id) is not None  # not before the commit
    assert memo.taken(ticket_id) is None
    assert memo.taken(ticket_id + 1) is not None


def test_a_rolled_back_change_forgets_nothing(desk: Desk) -> None:
    memo = desk.claim_memo
    ticket_id = _reporter_ticket(desk)
    memo.remember_taken(ticket_id, Taken("李工", "assigned", "infra"))
    memo.remember_person(2002, None)
    session = desk.sessions()
    with session.begin():
        lead = view_by_telegram_id(session, 2001)
        claim(session, ticket_id, lead, Origin(lead.id), desk.clock.now())
        find_by_telegram_id(session, 2002).name = "改名"
        session.flush()
        session.rollback()
    session.close()
    assert memo.taken(ticket_id) is not None
    assert memo.person(2002)[0]


def test_a_committed_change_to_people_forgets_every_presser(desk: Desk) -> None:
    memo = desk.claim_memo
    memo.remember_person(2002, None)
    with desk.sessions.begin() as session:
        session.scalar(select(Person).where(Person.telegram_id == 2003)).unit = "网络科"
    assert memo.person(2002) == (False, None)
