"""A late SLA sweep (clock jump, scheduler down) says what is true now, once (issue 17 §5)."""

from __future__ import annotations

from sqlalchemy import select

from bot.desk import Desk
from bot.models import Notification
from schedules.sla_sweep import sweep
from tests.support import sla_steps as steps
from tests.unit.test_sla_sweep import INFRA_GROUP, bj

LEAD, TECH, SUPERVISOR = steps.LEAD, steps.TECH, steps.SUPERVISOR


def texts(desk: Desk) -> dict[int, list[str]]:
    """The SLA messages stored for each chat, in order."""
    told: dict[int, list[str]] = {}
    with desk.sessions.begin() as session:
        for note in session.scalars(select(Notification).where(Notification.kind == "sla_alert")
                                    .order_by(Notification.id)):
            told.setdefault(note.chat_id, []).append(note.text)
    return told


def test_a_late_sweep_tells_the_group_the_response_is_overdue_not_80(desk: Desk) -> None:
    ticket_id = steps.submit(desk)  # P2 at 10:00: response due 10:30
    steps.advance(desk, 38)
    assert sweep(desk) == 2
    told = texts(desk)
    assert len(told[INFRA_GROUP]) == 1 and len(told[LEAD]) == 1
    assert "响应时限已超时（100%）" in told[INFRA_GROUP][0]
    assert "已用" not in told[INFRA_GROUP][0]
    assert "响应时限已超时（100%）" in told[LEAD][0]
    assert steps.alerts(desk, ticket_id) == [
        ("response", 50, "reminder", True), ("response", 80, "reminder", False),
        ("response", 100, "lead", False)]
    steps.advance(desk, 1)
    assert sweep(desk) == 0  # the lower thresholds are passed: never sent later


def test_hours_overdue_everyone_hears_the_same_truth_once(desk: Desk) -> None:
    ticket_id = steps.submit(desk)
    steps.claim(desk, ticket_id)  # the response clock stops; resolution 8 working hours
    steps.advance(desk, to=bj(25, 9, 0))  # two working days later: far past 150 %
    assert sweep(desk) == 3
    told = texts(desk)
    for chat in (TECH, LEAD, SUPERVISOR):
        assert len(told[chat]) == 1, chat
        assert "解决时限已超时（150%）" in told[chat][0], told[chat][0]
    assert "已用" not in told[TECH][0]
    assert [a[:3] for a in steps.alerts(desk, ticket_id)] == [
        ("resolution", 50, "reminder"), ("resolution", 80, "reminder"),
        ("resolution", 100, "lead"), ("resolution", 150, "supervisor")]
    assert sweep(desk) == 0
