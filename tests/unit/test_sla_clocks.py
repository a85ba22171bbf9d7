"""SLA clocks: pending pauses, reopen resumes, a priority change keeps the time used, and what
is stored always equals a replay of the ticket's event log."""

from __future__ import annotations

import random
from datetime import datetime
from zoneinfo import ZoneInfo

from bot import sla_store, work
from bot.desk import Desk
from bot.lifecycle import Origin
from bot.models import Ticket
from schedules.sla_sweep import sweep
from tests.support import sla_steps as steps

BJ = ZoneInfo("Asia/Shanghai")


def bj(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in Beijing in the test week (Monday 2026-11-23 is day 23)."""
    return datetime(2026, 11, day, hour, minute, tzinfo=BJ)


def test_due_times_at_submission_follow_the_priority_and_working_time(desk: Desk) -> None:
    ticket = steps.ticket(desk, steps.submit(desk))  # P2, Monday 10:00
    assert ticket.priority == "P2"
    assert ticket.response_due_at == bj(23, 10, 30)
    assert ticket.resolution_due_at == bj(24, 11, 0)  # 8 working hours: Mon 6 h + Tue 2 h
    assert ticket.next_sla_check_at == bj(23, 10, 15)  # 50 % of the response target
    p1 = steps.ticket(desk, steps.submit(desk, "organization", "outage"))
    assert (p1.response_due_at, p1.resolution_due_at) == (bj(23, 10, 15), bj(23, 14, 0))


def test_claim_stops_the_response_clock(desk: Desk) -> None:
    ticket_id = steps.submit(desk)
    steps.advance(desk, 10)
    steps.claim(desk, ticket_id)
    ticket = steps.ticket(desk, ticket_id)
    assert ticket.response_stopped_at == bj(23, 10, 10)
    assert ticket.response_used_minutes == 10 and ticket.response_since is None
    assert ticket.response_due_at == bj(23, 10, 30)  # a stopped clock keeps its due time


def test_a_claim_moves_the_clocks_whether_or_not_the_ticket_was_loaded(desk: Desk) -> None:
    """The claim changes the row without loading the ticket (bot.work.claim); a copy the
    session already held is brought up to date, and later events in the same transaction
    start from the claimed state."""
    loaded, unloaded = steps.submit(desk), steps.submit(desk)
    steps.advance(desk, 10)
    tech = steps.who(desk, steps.TECH)
    with desk.sessions.begin() as session:
        held = session.get(Ticket, loaded)
        assert held.status == "new"
        for ticket_id in (loaded, unloaded):
            work.claim(session, ticket_id, tech, Origin(tech.id), desk.clock.now())
        assert (held.status, held.assignee_id) == ("assigned", tech.id)
        work.pend(session, session.get(Ticket, unloaded), tech, "等待厂商", Origin(tech.id),
                  desk.clock.now())
    for ticket_id in (loaded, unloaded):
        ticket = steps.ticket(desk, ticket_id)
        assert ticket.response_stopped_at == bj(23, 10, 10)
        assert ticket.first_response_at == bj(23, 10, 10)
        with desk.sessions.begin() as session:
            assert sla_store.differences(session, session.get(Ticket, ticket_id),
                                         desk.sla) == []
    assert steps.ticket(desk, unloaded).sla_paused_at == bj(23, 10, 10)


def test_pending_moves_the_due_time_by_the_paused_working_time(desk: Desk) -> None:
    ticket_id = steps.submit(desk)
    steps.advance(desk, 10)
    steps.claim(desk, ticket_id)
    steps.advance(desk, 20)
    steps.pend(desk, ticket_id)  # 10:30, 30 minutes used
    paused = steps.ticket(desk, ticket_id)
    assert paused.sla_paused_at == bj(23, 10, 30) and paused.resolution_since is None
    assert paused.next_sla_check_at is None  # nothing can come due while paused
    steps.advance(desk, to=bj(23, 14, 30))
    steps.resume(desk, ticket_id)
    ticket = steps.ticket(desk, ticket_id)
    assert ticket.sla_paused_minutes == 150  # 10:30–12:00 and 13:30–14:30; lunch is not work
    assert ticket.resolution_used_minutes == 30
    assert ticket.resolution_due_at == bj(24, 15, 0)  # was Tue 11:00, moved by 150 minutes
    assert steps.replay_mismatches(desk) == {}


def test_pending_overnight_counts_only_working_time(desk: Desk) -> None:
    ticket_id = steps.submit(desk)
    steps.claim(desk, ticket_id)
    steps.advance(desk, to=bj(23, 17, 0))
    steps.pend(desk, ticket_id)
    steps.advance(desk, to=bj(24, 9, 30))
    steps.resume(desk, ticket_id)
    assert steps.ticket(desk, ticket_id).sla_paused_minutes == 60


def test_reopen_resumes_the_resolution_clock_with_the_time_already_used(desk: Desk) -> None:
    ticket_id = steps.submit(desk)
    steps.claim(desk, ticket_id)
    steps.advance(desk, 60)
    steps.resolve(desk, ticket_id)
    resolved = steps.ticket(desk, ticket_id)
    assert resolved.resolution_stopped_at == bj(23, 11, 0)
    assert resolved.resolution_used_minutes == 60 and resolved.next_sla_check_at is None
    steps.advance(desk, to=bj(24, 10, 0))
    steps.reopen(desk, ticket_id)
    reopened = steps.ticket(desk, ticket_id)
    assert reopened.resolution_stopped_at is None
    assert reopened.resolution_since == bj(24, 10, 0)
    assert reopened.resolution_due_at == bj(25, 10, 0)  # 420 minutes left from Tue 10:00
    assert reopened.sla_paused_minutes == 0  # waiting for the reporter is not "pending"
    steps.advance(desk, 30)
    steps.resolve(desk, ticket_id)
    assert steps.ticket(desk, ticket_id).resolution_used_minutes == 90
    assert steps.replay_mismatches(desk) == {}


def test_priority_change_keeps_the_time_used_and_switches_clocks(desk: Desk) -> None:
    ticket_id = steps.submit(desk, "personal", "outage")  # P3: 2 h / 3 working days
    steps.advance(desk, 60)
    steps.claim(desk, ticket_id)
    steps.reprioritise(desk, ticket_id, "P1")  # 11:00: 60 minutes used of P1's 4 h (24 × 7)
    ticket = steps.ticket(desk, ticket_id)
    assert ticket.priority == "P1"
    assert ticket.resolution_used_minutes == 60 and ticket.resolution_since == bj(23, 11, 0)
    assert ticket.resolution_due_at == bj(23, 14, 0)  # 3 h of plain time, lunch included
    assert ticket.response_due_at == bj(23, 12, 0)  # the stopped response clock keeps P3's
    steps.advance(desk, 60)
    steps.reprioritise(desk, ticket_id, "P4")  # 12:00: 120 minutes used
    ticket = steps.ticket(desk, ticket_id)
    assert ticket.resolution_used_minutes == 120
    assert ticket.resolution_due_at == desk.calendar.add_working_minutes(bj(23, 12, 0),
                                                                         5 * 420 - 120)
    assert steps.replay_mismatches(desk) == {}


def test_priority_raised_past_its_new_target_is_due_at_once(desk: Desk) -> None:
    ticket_id = steps.submit(desk, "personal", "outage")  # P3, nobody claims it
    steps.advance(desk, 100)
    steps.reprioritise(desk, ticket_id, "P1")  # 100 minutes used of P1's 15-minute response
    ticket = steps.ticket(desk, ticket_id)
    assert ticket.response_due_at == bj(23, 11, 40)
    assert sweep(desk) == 3  # 80 % (50 % folded in) to the group, leads, supervisors
    assert steps.alerts(desk, ticket_id) == [
        ("response", 50, "reminder", True), ("response", 80, "reminder", False),
        ("response", 100, "lead", False), ("response", 150, "supervisor", False)]


def test_pending_while_breached_stays_breached_after_resume(desk: Desk) -> None:
    ticket_id = steps.submit(desk)
    steps.claim(desk, ticket_id)
    steps.advance(desk, to=bj(24, 11, 30))  # 30 minutes past the resolution due time
    steps.pend(desk, ticket_id)
    steps.advance(desk, 60)
    steps.resume(desk, ticket_id)
    ticket = steps.ticket(desk, ticket_id)
    assert ticket.resolution_due_at == bj(24, 11, 0)  # the breach does not move away
    assert ticket.resolution_used_minutes == 510


def test_every_ticket_replays_to_what_is_stored(desk: Desk) -> None:
    """Random walks through the lifecycle, with sweeps in between: stored == replayed."""
    rng = random.Random(20261123)
    ids = [steps.submit(desk, rng.choice(("personal", "department", "organization")),
                        rng.choice(("deferrable", "work_affected", "outage")))
           for _ in range(12)]
    for _ in range(100):
        ticket_id = rng.choice(ids)
        steps.advance(desk, rng.choice((1, 7, 30, 95, 240, 600)))
        _random_step(desk, rng, ticket_id)
        if rng.random() < 0.3:
            sweep(desk)
    sweep(desk)
    assert steps.replay_mismatches(desk) == {}
    with desk.sessions.begin() as session:
        assert session.query(Ticket).count() == 12


def _random_step(desk: Desk, rng: random.Random, ticket_id: int) -> None:
    status = steps.ticket(desk, ticket_id).status
    choices = {
        "new": [steps.claim, steps.claim, steps.claim, steps.cancel,
                lambda d, t: steps.reprioritise(d, t, "P1")],
        "assigned": [steps.start, steps.pend, steps.resolve, _to_desktop],
        "in_progress": [steps.pend, steps.resolve, lambda d, t: steps.reprioritise(d, t, "P4")],
        "pending": [steps.resume, steps.resolve, lambda d, t: steps.reprioritise(d, t, "P2")],
        "resolved": [steps.reopen, steps.confirm],
        "closed": [steps.reopen],
    }.get(status)
    if not choices:
        return
    try:
        rng.choice(choices)(desk, ticket_id)
    except Exception as error:  # a refusal (same priority, reopen window …) changes nothing
        if "Refused" not in type(error).__name__ and "TicketError" not in type(error).__name__:
            raise


def _to_desktop(desk: Desk, ticket_id: int) -> None:
    lead = steps.who(desk, steps.LEAD)
    with desk.sessions.begin() as session:
        work.reassign_to_team(session, session.get(Ticket, ticket_id), lead, "desktop",
                              Origin(lead.id), desk.clock.now())


def test_a_ticket_without_stored_clocks_is_replayed_by_the_sweep(desk: Desk) -> None:
    """Tickets from before the SLA columns existed: the migration marks them due."""
    ticket_id = steps.submit(desk)
    with desk.sessions.begin() as session:
        ticket = session.get(Ticket, ticket_id)
        ticket.response_used_minutes = ticket.resolution_used_minutes = None
        ticket.next_sla_check_at = ticket.created_at
    steps.advance(desk, 20)
    assert sweep(desk) == 1  # the 50 % response reminder, after the replay
    ticket = steps.ticket(desk, ticket_id)
    assert ticket.response_used_minutes == 0 and ticket.response_alerted_percent == 50
    with desk.sessions.begin() as session:
        assert sla_store.differences(session, session.get(Ticket, ticket_id), desk.sla) == []
