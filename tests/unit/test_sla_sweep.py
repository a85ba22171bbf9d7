"""The SLA sweep: who is told at which threshold, once — across sweeps running at the same
moment, across a restart, and after the bot was down; quiet hours for P3/P4."""

from __future__ import annotations

import threading
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot import escalation, sla_alerts
from bot.clock import AdjustableClock
from bot.desk import Desk, open_desk
from bot.escalation import EscalationRefused
from bot.lifecycle import Origin
from bot.models import Ticket, TicketEvent
from bot.settings import Settings
from schedules.sla_sweep import sweep
from tests.support import sla_steps as steps
from tests.support.factories import make_desk

BJ = ZoneInfo("Asia/Shanghai")
INFRA_GROUP = -1001


def bj(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=BJ)


def test_the_chain_goes_to_group_then_assignee_then_leads_then_supervisors(desk: Desk) -> None:
    ticket_id = steps.submit(desk)  # P2: response 30 min, resolution 8 working hours
    steps.advance(desk, 15)
    assert sweep(desk) == 1
    steps.claim(desk, ticket_id)  # claimed at 10:15: the response clock stops
    steps.advance(desk, to=bj(23, 15, 29))
    assert sweep(desk) == 0
    steps.advance(desk, to=bj(23, 15, 30))  # 4 working hours since 10:00: 50 %
    assert sweep(desk) == 1
    steps.advance(desk, to=bj(24, 11, 0))
    assert sweep(desk) == 2  # 80 % (at Tue 09:24) and the breach at Tue 11:00
    steps.advance(desk, to=bj(24, 17, 30))  # 150 % = 12 working hours
    assert sweep(desk) == 1
    assert steps.messages(desk) == [
        (INFRA_GROUP, f"sla:{ticket_id}:response:50:{INFRA_GROUP}"),
        (2002, f"sla:{ticket_id}:resolution:50:2002"),
        (2002, f"sla:{ticket_id}:resolution:80:2002"),
        (2001, f"sla:{ticket_id}:resolution:100:2001"),
        (3001, f"sla:{ticket_id}:resolution:150:3001"),
    ]
    assert sweep(desk) == 0
    assert steps.replay_mismatches(desk) == {}


def test_after_downtime_one_sweep_sends_the_highest_reminder_once(desk: Desk) -> None:
    ticket_id = steps.submit(desk)
    steps.advance(desk, 35)  # past 50 %, 80 % and the response breach
    assert sweep(desk) == 2
    assert steps.alerts(desk, ticket_id) == [
        ("response", 50, "reminder", True), ("response", 80, "reminder", False),
        ("response", 100, "lead", False)]
    assert sweep(desk) == 0


def test_two_sweeps_at_the_same_moment_send_each_alert_once(desk: Desk) -> None:
    ids = [steps.submit(desk) for _ in range(30)]
    steps.advance(desk, 50)  # every ticket: 80 % reminder, breach, 150 %
    results: list[int] = []
    barrier = threading.Barrier(2)

    def run() -> None:
        barrier.wait()
        results.append(sweep(desk))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(results) == 3 * len(ids)
    keys = [key for _, key in steps.messages(desk)]
    assert len(keys) == len(set(keys)) == 3 * len(ids)
    assert len(steps.alerts(desk)) == 4 * len(ids)
    assert steps.replay_mismatches(desk) == {}


def test_a_restart_does_not_repeat_what_was_sent(desk: Desk, settings: Settings) -> None:
    steps.submit(desk)
    steps.advance(desk, 20)
    assert sweep(desk) == 1
    # the same database, a new process
    again = open_desk(settings, AdjustableClock(desk.clock.now(), frozen=True),
                      with_knowledge=False)
    try:
        assert sweep(again) == 0
        steps.advance(again, 5)  # 25 minutes: the 80 % reminder, once
        assert sweep(again) == 1 and sweep(again) == 0
    finally:
        again.close()
    assert len(steps.messages(desk)) == 2


def test_p3_reminders_wait_for_working_time_p1_p2_go_at_once(desk: Desk) -> None:
    steps.advance(desk, to=bj(23, 15, 30))
    p3 = steps.submit(desk, "personal", "outage")  # response due 17:30, the day's end
    p2 = steps.submit(desk)  # response due 16:00
    steps.advance(desk, to=bj(23, 20, 0))  # the bot was down all afternoon
    with desk.sessions.begin() as session:
        assert sla_alerts.due_ticket_ids(session, desk.sla, desk.clock.now()) == [p2]
    assert sweep(desk) == 3
    assert [a[1] for a in steps.alerts(desk, p3)] == []
    steps.advance(desk, to=bj(24, 8, 59))
    assert sweep(desk) == 0
    steps.advance(desk, to=bj(24, 9, 0))
    assert sweep(desk) == 2  # 80 % (50 % folded in) and the breach, at 09:00 sharp
    assert steps.alerts(desk, p3) == [
        ("response", 50, "reminder", True), ("response", 80, "reminder", False),
        ("response", 100, "lead", False)]
    assert steps.ticket(desk, p3).next_sla_check_at == bj(24, 10, 0)  # 150 % = 3 h


def test_a_team_without_leads_escalates_to_the_supervisors(desk: Desk) -> None:
    ticket_id = steps.submit(desk, category="app")  # 应用运维组: no group, no leads
    steps.advance(desk, 31)
    assert sweep(desk) == 2
    chats = steps.messages(desk)
    assert (3001, f"sla:{ticket_id}:response:100:3001") in chats
    reminder = [chat for chat, key in chats if ":response:80:" in key]
    # no group, nobody in the team: the reminder falls back to the supervisors, who get the
    # breach of the same clock in this sweep already: one message, not two (issue 17 §5)
    assert reminder == []
    with desk.sessions.begin() as session:
        notes = session.scalars(select(TicketEvent.note).where(
            TicketEvent.ticket_id == ticket_id, TicketEvent.kind == "sla")).all()
    assert any("80% → （已并入更高一级的通知）" in note for note in notes), notes


def test_alert_thresholds_and_recipients_per_priority(tmp_path, database_url) -> None:
    from tests.support.factories import make_settings

    extra = """
[sla.alerts.P2]
reminder_percents = [25]
lead_to = ["leads", "team_group"]
"""
    desk = make_desk(make_settings(tmp_path, database_url, extra))
    try:
        ticket_id = steps.submit(desk)
        steps.advance(desk, 8)
        assert sweep(desk) == 1
        steps.advance(desk, 30)
        assert sweep(desk) == 1
        assert steps.messages(desk) == [
            (INFRA_GROUP, f"sla:{ticket_id}:response:25:{INFRA_GROUP}"),
            (2001, f"sla:{ticket_id}:response:100:2001"),
            (INFRA_GROUP, f"sla:{ticket_id}:response:100:{INFRA_GROUP}"),
        ]
    finally:
        desk.close()


def test_urge_pings_the_assignee_and_is_recorded(desk: Desk) -> None:
    ticket_id = steps.submit(desk)
    steps.claim(desk, ticket_id)
    lead, tech, supervisor = (steps.who(desk, i) for i in (steps.LEAD, steps.TECH,
                                                           steps.SUPERVISOR))
    with desk.sessions.begin() as session:
        ticket = session.get(Ticket, ticket_id)
        recipients = escalation.urge(session, ticket, lead, Origin(lead.id), desk.clock.now(),
                                     desk.roster)
        assert [r.chat_id for r in recipients] == [2002]
        with pytest.raises(EscalationRefused):
            escalation.urge(session, ticket, tech, Origin(tech.id), desk.clock.now(), None)
        with pytest.raises(EscalationRefused):
            escalation.take_over(session, ticket, lead, Origin(lead.id), desk.clock.now())
        escalation.take_over(session, ticket, supervisor, Origin(supervisor.id),
                             desk.clock.now())
    taken = steps.ticket(desk, ticket_id)
    assert taken.assignee_id == supervisor.id and taken.status == "assigned"
    assert steps.replay_mismatches(desk) == {}
