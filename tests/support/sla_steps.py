"""Drive tickets through the domain functions on a desk with a frozen clock (SLA tests)."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from sqlalchemy import select

from bot import escalation, reporter_actions, sla_store, tickets, work
from bot.desk import Desk
from bot.lifecycle import Origin
from bot.models import Notification, SlaAlert, Ticket
from bot.people import PersonView, find_by_telegram_id, view_of

REPORTER, LEAD, TECH, DESKTOP_TECH, SUPERVISOR = 1001, 2001, 2002, 2003, 3001
_keys = itertools.count(1)


def who(desk: Desk, telegram_id: int) -> PersonView:
    with desk.sessions.begin() as session:
        return view_of(find_by_telegram_id(session, telegram_id))


def submit(desk: Desk, impact: str = "department", urgency: str = "outage",
           category: str = "network", reporter: int = REPORTER) -> int:
    """A new ticket now; P2 by default (部门 × 业务中断)."""
    person = who(desk, reporter)
    with desk.sessions.begin() as session:
        report = tickets.Report(category, "交换机告警，整层断网", impact, urgency)
        ticket, _ = tickets.submit(session, desk.sla, desk.timezone, person, report,
                                   f"sla-test-{next(_keys)}", Origin(person.id),
                                   desk.clock.now())
        return ticket.id


def advance(desk: Desk, minutes: float = 0, *, to: datetime | None = None) -> datetime:
    """Move the frozen desk clock forward."""
    if to is not None:
        return desk.clock.advance(to - desk.clock.now())
    return desk.clock.advance(timedelta(minutes=minutes))


def ticket(desk: Desk, ticket_id: int) -> Ticket:
    with desk.sessions.begin() as session:
        return session.get(Ticket, ticket_id)


def claim(desk: Desk, ticket_id: int, by: int = TECH) -> None:
    person = who(desk, by)
    with desk.sessions.begin() as session:
        work.claim(session, ticket_id, person, Origin(person.id), desk.clock.now())


def _on(desk: Desk, ticket_id: int, by: int, step) -> None:
    person = who(desk, by)
    with desk.sessions.begin() as session:
        step(session, session.get(Ticket, ticket_id), person, Origin(person.id),
             desk.clock.now())


def pend(desk: Desk, ticket_id: int, by: int = TECH) -> None:
    _on(desk, ticket_id, by, lambda s, t, p, o, now: work.pend(s, t, p, "等待厂商", o, now))


def resume(desk: Desk, ticket_id: int, by: int = TECH) -> None:
    _on(desk, ticket_id, by, work.resume)


def start(desk: Desk, ticket_id: int, by: int = TECH) -> None:
    _on(desk, ticket_id, by, work.start)


def resolve(desk: Desk, ticket_id: int, by: int = TECH) -> None:
    _on(desk, ticket_id, by,
        lambda s, t, p, o, now: work.resolve(s, t, p, "更换电源模块", 30, o, now))


def reopen(desk: Desk, ticket_id: int, by: int = REPORTER) -> None:
    _on(desk, ticket_id, by, lambda s, t, p, o, now: reporter_actions.reopen(
        s, t, p, "还是不通", o, now, desk.calendar, 5))


def confirm(desk: Desk, ticket_id: int, by: int = REPORTER) -> None:
    _on(desk, ticket_id, by, reporter_actions.confirm)


def cancel(desk: Desk, ticket_id: int, by: int = REPORTER) -> None:
    _on(desk, ticket_id, by, reporter_actions.cancel)


def reprioritise(desk: Desk, ticket_id: int, priority: str, by: int = LEAD) -> None:
    _on(desk, ticket_id, by, lambda s, t, p, o, now: escalation.change_priority(
        s, t, p, priority, o, now))


def alerts(desk: Desk, ticket_id: int | None = None) -> list[tuple[str, int, str, bool]]:
    """(clock, percent, level, superseded) of the alerts recorded, in order."""
    with desk.sessions.begin() as session:
        query = select(SlaAlert).order_by(SlaAlert.id)
        if ticket_id is not None:
            query = query.where(SlaAlert.ticket_id == ticket_id)
        return [(a.clock, a.percent, a.level, a.superseded) for a in session.scalars(query)]


def messages(desk: Desk, kind: str = "sla_alert") -> list[tuple[int, str]]:
    """(chat id, dedupe key) of the outbox messages of a kind, in order."""
    with desk.sessions.begin() as session:
        return [(n.chat_id, n.dedupe_key or "") for n in session.scalars(
            select(Notification).where(Notification.kind == kind).order_by(Notification.id))]


def replay_mismatches(desk: Desk) -> dict[str, list[str]]:
    """Every ticket replayed from its log, compared with what is stored."""
    with desk.sessions.begin() as session:
        return sla_store.check_all(session, desk.sla)
