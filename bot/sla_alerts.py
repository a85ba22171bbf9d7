"""The SLA sweep's domain: find tickets with a threshold due, and fire each threshold once.

A sweep selects only the tickets whose indexed `next_sla_check_at` has come, locks them, and
for each threshold reached inserts an `sla_alerts` row first: the UNIQUE (ticket, clock,
percent) constraint lets exactly one of several concurrent sweeps (or a sweep repeated after
a restart) go on to tell anyone. The caller enqueues the messages in the same transaction, so
an alert is recorded if and only if its messages are stored.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import sla, sla_store
from bot.lifecycle import Origin, record
from bot.models import SlaAlert, Ticket
from bot.priority import SlaPolicy
from bot.sla_recipients import Directory, Recipient, Roster

logger = logging.getLogger(__name__)

LEVEL_NUMBERS = {sla.REMINDER: 0, sla.LEAD: 1, sla.SUPERVISOR: 2}
CLOCK_LABELS = {sla.RESPONSE: "响应时限", sla.RESOLUTION: "解决时限"}
COVERED = "（已并入更高一级的通知）"


@dataclass(frozen=True)
class Fired:
    """An alert that this sweep won and must deliver."""

    ticket_id: int
    number: str
    priority: str
    clock: str
    percent: int
    level: str
    reached_at: datetime
    due_at: datetime | None
    unclaimed: bool
    assignee_name: str | None
    recipients: tuple[Recipient, ...]
    skipped: tuple[int, ...]  # lower thresholds of the same level, superseded by this one
    team_name: str
    category: str
    description: str
    true_percent: int | None = None  # the highest threshold of the clock reached now

    @property
    def stated_percent(self) -> int:
        """The percentage the message states: what is true now, not the level's threshold
        (a late sweep tells the group 「已超时」 when the breach is due as well)."""
        return max(self.percent, self.true_percent or 0)

    @property
    def escalation_level(self) -> int:
        """0 for a reminder, 1 for the leads (breach), 2 for the supervisors."""
        return LEVEL_NUMBERS[self.level]


def due_ticket_ids(session: Session, policy: SlaPolicy, now: datetime,
                   limit: int = 1000) -> list[int]:
    """Tickets with a threshold that may be due now, earliest first (uses the index)."""
    query = (select(Ticket.id).where(Ticket.next_sla_check_at <= now)
             .order_by(Ticket.next_sla_check_at, Ticket.id).limit(limit))
    if not policy.calendar.is_working_time(now):
        waiting = [p for p in policy.sla.targets if sla.waits_for_working_time(policy, p)]
        if waiting:  # their alerts wait for the next working period: do not even look
            query = query.where(or_(Ticket.priority.not_in(waiting),
                                    Ticket.response_used_minutes.is_(None)))
    return list(session.scalars(query))


def fire_due(session: Session, policy: SlaPolicy, roster: Roster | None,
             ticket_ids: Sequence[int], now: datetime) -> list[Fired]:
    """Fire the due thresholds of these tickets; return the alerts to deliver."""
    if not ticket_ids:
        return []
    sla_store.lock(session, ticket_ids)
    tickets = session.scalars(select(Ticket).where(Ticket.id.in_(ticket_ids))
                              .order_by(Ticket.id)).unique().all()
    directory = Directory(session, roster, now)
    planned = []
    for ticket in tickets:
        due = _due(session, policy, ticket, now)
        if due:
            planned.append((ticket, due, _once_each(due, [
                () if alert.superseded else directory.recipients(
                    ticket, _recipient_names(policy, alert.level, ticket), alert.level)
                for alert in due])))
    if not _claim(session, [(t, plans) for t, _, plans in planned], now):
        won = []  # another sweep fired some of these: claim ticket by ticket
        for entry in planned:
            if _claim(session, [(entry[0], entry[2])], now):
                won.append(entry)
            else:
                session.expire(entry[0])
        planned = won
    fired = [alert for ticket, due, plans in planned
             for alert in _record_all(session, ticket, due, plans, now)]
    session.flush()  # the alert events move the clocks while the tickets are at hand
    return fired


def _due(session: Session, policy: SlaPolicy, ticket: Ticket,
         now: datetime) -> list[sla.DueAlert]:
    """The ticket's thresholds to deal with now (replaying its log first if never stored)."""
    state = sla_store.state_of(ticket)
    if state is None:  # created before the SLA clocks were stored: replay its log once
        sla_store.repair(session, ticket, policy)
        state = sla_store.state_of(ticket)
        if state is None:
            return []
    due = sla.due_alerts(state, policy, now)
    if not due and ticket.next_sla_check_at is not None and ticket.next_sla_check_at <= now \
            and sla_store.repair(session, ticket, policy):
        logger.warning("ticket %s: stored SLA clocks differed from its log; repaired",
                       ticket.number)
    return due


Plan = list[tuple[sla.DueAlert, tuple[Recipient, ...]]]


def _once_each(due: list[sla.DueAlert], recipients: list[tuple[Recipient, ...]]) -> Plan:
    """Pair each alert with its recipients, leaving out of a lower level anyone who gets a
    higher level of the same clock in this sweep (one message per person and clock)."""
    told: set[tuple[str, int]] = set()
    plans: Plan = []
    for alert, people in reversed(list(zip(due, recipients, strict=True))):
        kept = tuple(r for r in people if (alert.clock, r.chat_id) not in told)
        told.update((alert.clock, r.chat_id) for r in kept)
        plans.append((alert, kept))
    return plans[::-1]


def _record_all(session: Session, ticket: Ticket, due: list[sla.DueAlert], plans: Plan,
                now: datetime) -> list[Fired]:
    fired = []
    for alert, recipients in plans:
        if alert.superseded:
            continue
        skipped = tuple(a.percent for a in due
                        if a.clock == alert.clock and a.level == alert.level and a.superseded)
        top = max(a.percent for a in due if a.clock == alert.clock)
        covered = not recipients and any(  # everyone hears of it through a higher level
            a.clock == alert.clock and a.percent > alert.percent and people
            for a, people in plans)
        _record(session, ticket, alert, recipients, skipped, now, covered)
        fired.append(Fired(
            ticket.id, ticket.number, ticket.priority, alert.clock, alert.percent, alert.level,
            alert.reached_at,
            ticket.response_due_at if alert.clock == sla.RESPONSE else ticket.resolution_due_at,
            ticket.assignee_id is None, ticket.assignee.name if ticket.assignee else None,
            recipients, skipped, ticket.team.name, ticket.category.name, ticket.description,
            top))
    return fired


def _recipient_names(policy: SlaPolicy, level: str, ticket: Ticket) -> tuple[str, ...]:
    settings = sla.alert_settings(policy, ticket.priority)
    if level == sla.LEAD:
        return settings.lead_to
    if level == sla.SUPERVISOR:
        return settings.supervisor_to
    return settings.unclaimed_to if ticket.assignee_id is None else settings.reminder_to


def _claim(session: Session, planned: list[tuple[Ticket, Plan]], now: datetime) -> bool:
    """Insert the alerts' rows in one savepoint; False if any exists (another sweep won)."""
    if not planned:
        return True
    try:
        with session.begin_nested():
            session.add_all([SlaAlert(
                ticket_id=ticket.id, clock=alert.clock, percent=alert.percent,
                level=alert.level, priority=ticket.priority, reached_at=alert.reached_at,
                fired_at=now, superseded=alert.superseded,
                recipients=[{"chat_id": r.chat_id, "name": r.name, "kind": r.kind}
                            for r in recipients])
                for ticket, plans in planned for alert, recipients in plans])
            session.flush()
    except IntegrityError:
        return False
    return True


def _record(session: Session, ticket: Ticket, alert: sla.DueAlert,
            recipients: tuple[Recipient, ...], skipped: tuple[int, ...], now: datetime,
            covered: bool = False) -> None:
    """Log the alert on the ticket: this moves its alerted threshold (bot.sla_store)."""
    names = "、".join(r.name for r in recipients) or (COVERED if covered else "（无人可通知）")
    record(session, ticket, sla.ALERT_EVENT, Origin(None, source="system"), now,
           note=f"{CLOCK_LABELS[alert.clock]} {alert.percent}% → {names}",
           clock=alert.clock, percent=alert.percent, level=alert.level,
           reached_at=alert.reached_at.isoformat(), skipped=list(skipped),
           recipients=[r.chat_id for r in recipients])

