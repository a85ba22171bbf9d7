"""What a ticket's card says about its SLA: 即将超时, 已超时, 已升级 (issue 17 §6).

The mark is about the clock that matters now (`bot.queues.due_of`: response until someone
responded, then resolution). Soon: SOON_FRACTION of its target used; overdue: its due time
has passed; escalated: the sweep has sent that clock's lead (一级) or supervisor (二级)
escalation. The card refresher compares the mark too, and the SLA sweep asks for a refresh
of every ticket it alerted about, so a card changes when its ticket's SLA state does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.lifecycle import OPEN_STATUSES, PENDING
from bot.models import Ticket
from bot.priority import SlaPolicy
from bot.queues import due_of
from bot.sla import LEAD, SUPERVISOR, alert_settings

SOON_FRACTION = 0.8  # 即将超时 from 80 % of the target used


@dataclass(frozen=True)
class SlaMark:
    """The card's SLA line: which clock, its due time, and how it stands."""

    clock: str  # "response" or "resolution"
    due_at: datetime
    state: str  # "soon" or "overdue"
    escalated: str | None  # None, LEAD or SUPERVISOR


def mark(ticket: Ticket, policy: SlaPolicy, now: datetime) -> SlaMark | None:
    """The SLA mark of an open ticket's card; None while it is in good time (or finished)."""
    if ticket.status not in OPEN_STATUSES:
        return None
    clock, due = due_of(ticket)
    if due is None:
        return None
    escalated = _escalated(ticket, policy, clock)
    if now >= due:
        return SlaMark(clock, due, "overdue", escalated)
    if ticket.status != PENDING and _used(ticket, policy, clock, due, now) >= SOON_FRACTION:
        return SlaMark(clock, due, "soon", escalated)
    return SlaMark(clock, due, "soon", escalated) if escalated else None


def _used(ticket: Ticket, policy: SlaPolicy, clock: str, due: datetime, now: datetime) -> float:
    target = policy.target(ticket.priority)
    minutes = target.response_minutes if clock == "response" else target.resolution_minutes
    if minutes <= 0:
        return 1.0
    left = policy.clock_for(ticket.priority).working_minutes_between(now, due)
    return 1.0 - left / minutes


def _escalated(ticket: Ticket, policy: SlaPolicy, clock: str) -> str | None:
    alerts = alert_settings(policy, ticket.priority)
    alerted = (ticket.response_alerted_percent if clock == "response"
               else ticket.resolution_alerted_percent) or 0
    if alerted >= alerts.supervisor_percent:
        return SUPERVISOR
    if alerted >= alerts.lead_percent:
        return LEAD
    return None
