"""A ticket's SLA clocks, replayed from its event log. Pure: no database, no Telegram.

Two clocks per ticket, in minutes of the priority's clock (working time, or 24 × 7 for P1):

- **response** runs from submission until the first response — a claim, an assignment, a
  reply or any work on the ticket — and never restarts;
- **resolution** runs while the ticket is new, assigned or in progress, pauses while it is
  pending (the due time moves by the paused time), stops when it is resolved, closed or
  cancelled, and resumes on reopen with the time already used.

A priority change closes the running segments under the old clock and starts them again under
the new one with the minutes already used; a clock that has stopped keeps its due time and
result. When a change leaves less target than was already used, the clock is due at once.

The state after each event is a function of the previous state and the event (`step`), so the
state stored on a ticket after its last event equals `replay` of its whole log.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Protocol

from bot.priority import SlaPolicy
from bot.settings import AlertSettings

RESPONSE, RESOLUTION = "response", "resolution"
CLOCKS = (RESPONSE, RESOLUTION)
REMINDER, LEAD, SUPERVISOR = "reminder", "lead", "supervisor"
ALERT_EVENT, PRIORITY_EVENT, CREATED_EVENT = "sla", "priority", "created"
RESPONSE_KINDS = frozenset({"claim", "assign", "reply", "start", "pend", "resolve"})
RUNNING_STATUSES = frozenset({"new", "assigned", "in_progress"})
PAUSED_STATUS = "pending"


class EventLike(Protocol):
    """What the replay reads of a ticket event (bot.models.TicketEvent fits)."""

    kind: str
    at: datetime
    from_status: str | None
    to_status: str | None
    data: dict[str, Any]


@dataclass(frozen=True)
class ClockState:
    """One SLA clock: minutes used before `since`, the running segment's start (None when
    paused or stopped), the due time, the highest threshold alerted, when it stopped."""

    used: float = 0.0
    since: datetime | None = None
    due: datetime | None = None
    alerted: int = 0
    stopped_at: datetime | None = None

    @property
    def running(self) -> bool:
        return self.since is not None


@dataclass(frozen=True)
class SlaState:
    """Both clocks of a ticket, its priority, and the pending pause of the resolution clock."""

    priority: str
    response: ClockState
    resolution: ClockState
    paused_at: datetime | None = None
    paused_minutes: float = 0.0

    def clock(self, name: str) -> ClockState:
        return self.response if name == RESPONSE else self.resolution

    def with_clock(self, name: str, clock: ClockState) -> SlaState:
        return replace(self, **{name: clock})


@dataclass(frozen=True)
class Threshold:
    """A percentage of a target at which someone is told."""

    percent: int
    level: str  # REMINDER, LEAD or SUPERVISOR


@dataclass(frozen=True)
class DueAlert:
    """A threshold the sweep should deal with now; `superseded` ones are recorded, not sent."""

    clock: str
    percent: int
    level: str
    reached_at: datetime
    superseded: bool


def alert_settings(policy: SlaPolicy, priority: str) -> AlertSettings:
    """The reminder/escalation policy of a priority (the [sla] defaults if none is given)."""
    sla = policy.sla
    return sla.alerts.get(priority) or AlertSettings(
        reminder_percents=sla.reminder_percents, lead_percent=sla.lead_escalation_percent,
        supervisor_percent=sla.supervisor_escalation_percent)


def thresholds(policy: SlaPolicy, priority: str) -> tuple[Threshold, ...]:
    """The priority's thresholds, lowest first."""
    alerts = alert_settings(policy, priority)
    return (*(Threshold(p, REMINDER) for p in alerts.reminder_percents),
            Threshold(alerts.lead_percent, LEAD), Threshold(alerts.supervisor_percent, SUPERVISOR))


def target_minutes(policy: SlaPolicy, priority: str, clock: str) -> int:
    target = policy.target(priority)
    return target.response_minutes if clock == RESPONSE else target.resolution_minutes


def _elapsed(policy: SlaPolicy, priority: str, a: datetime, b: datetime) -> float:
    return max(0.0, policy.clock_for(priority).working_minutes_between(a, b))


def _stop(clock: ClockState, at: datetime, policy: SlaPolicy, priority: str) -> ClockState:
    """End the running segment at `at`, adding its minutes to `used`."""
    if clock.since is None:
        return clock
    return replace(clock, used=clock.used + _elapsed(policy, priority, clock.since, at),
                   since=None)


def _run(clock: ClockState, at: datetime, policy: SlaPolicy, priority: str,
         name: str) -> ClockState:
    """Start a running segment at `at` and work out the due time from the minutes left."""
    if clock.since is not None:
        return clock
    left = target_minutes(policy, priority, name) - clock.used
    if left > 0:
        due = policy.clock_for(priority).add_working_minutes(at, left)
    else:  # already used up: due when it was reached, or now
        due = min(clock.due, at) if clock.due is not None else at
    return replace(clock, since=at, due=due, stopped_at=None)


def start(priority: str, at: datetime, policy: SlaPolicy) -> SlaState:
    """Both clocks of a ticket submitted at `at`."""
    return SlaState(priority, _run(ClockState(), at, policy, priority, RESPONSE),
                    _run(ClockState(), at, policy, priority, RESOLUTION))


def step(state: SlaState | None, event: EventLike, policy: SlaPolicy,
         fallback_priority: str = "P3") -> SlaState | None:
    """The state after one event (None until the ticket's `created` event)."""
    if event.kind == CREATED_EVENT:
        return start((event.data or {}).get("priority") or fallback_priority, event.at, policy)
    if state is None:
        return None
    at, data = event.at, event.data or {}
    if event.kind == ALERT_EVENT and data.get("clock") in CLOCKS:
        clock = state.clock(data["clock"])
        return state.with_clock(data["clock"], replace(
            clock, alerted=max(clock.alerted, int(data.get("percent", 0)))))
    if event.kind == PRIORITY_EVENT and data.get("to") in policy.sla.targets:
        return _reprioritise(state, data["to"], at, policy)
    to = event.to_status
    if state.response.running and (event.kind in RESPONSE_KINDS
                                   or (to is not None and to not in RUNNING_STATUSES)):
        stopped = _stop(state.response, at, policy, state.priority)
        state = replace(state, response=replace(stopped, stopped_at=at))
    if to is None or to == event.from_status:
        return state
    return _resolution_to(state, to, at, policy)


def _resolution_to(state: SlaState, status: str, at: datetime, policy: SlaPolicy) -> SlaState:
    """Run, pause or stop the resolution clock for the ticket's new status."""
    clock, priority = state.resolution, state.priority
    paused_minutes = state.paused_minutes
    if state.paused_at is not None and status != PAUSED_STATUS:
        paused_minutes += _elapsed(policy, priority, state.paused_at, at)
        state = replace(state, paused_at=None, paused_minutes=paused_minutes)
    if status in RUNNING_STATUSES:
        return replace(state, resolution=_run(clock, at, policy, priority, RESOLUTION))
    if status == PAUSED_STATUS:
        if not clock.running:
            return state
        return replace(state, resolution=_stop(clock, at, policy, priority), paused_at=at)
    if clock.running or clock.stopped_at is None:
        return replace(state, resolution=replace(_stop(clock, at, policy, priority),
                                                 stopped_at=at))
    return state


def _reprioritise(state: SlaState, priority: str, at: datetime, policy: SlaPolicy) -> SlaState:
    """Switch to another priority's targets and clock, keeping the minutes already used."""
    old = state.priority
    for name in CLOCKS:
        clock = state.clock(name)
        if clock.running:
            clock = _run(_stop(clock, at, policy, old), at, policy, priority, name)
            state = state.with_clock(name, clock)
    if state.paused_at is not None:
        state = replace(state, paused_minutes=state.paused_minutes
                        + _elapsed(policy, old, state.paused_at, at), paused_at=at)
    return replace(state, priority=priority)


def replay(events: Iterable[EventLike], policy: SlaPolicy,
           fallback_priority: str = "P3") -> SlaState | None:
    """The SLA state after a ticket's events, oldest first."""
    state: SlaState | None = None
    for event in events:
        state = step(state, event, policy, fallback_priority)
    return state


def used_at(state: SlaState, name: str, at: datetime, policy: SlaPolicy) -> float:
    """Minutes used on a clock up to `at` (counting the running segment)."""
    clock = state.clock(name)
    if clock.since is None:
        return clock.used
    return clock.used + _elapsed(policy, state.priority, clock.since, at)


def reached_at(state: SlaState, name: str, percent: int, policy: SlaPolicy) -> datetime | None:
    """When a running clock reaches `percent` of its target (its segment's start if earlier)."""
    clock = state.clock(name)
    if clock.since is None:
        return None
    needed = target_minutes(policy, state.priority, name) * percent / 100 - clock.used
    if needed <= 0:
        return clock.since
    return policy.clock_for(state.priority).add_working_minutes(clock.since, needed)


def waits_for_working_time(policy: SlaPolicy, priority: str) -> bool:
    return alert_settings(policy, priority).outside_working_time == "wait"


def notify_at(reached: datetime, policy: SlaPolicy, priority: str) -> datetime:
    """When an alert for a threshold reached at `reached` may go out."""
    if waits_for_working_time(policy, priority):
        return policy.calendar.next_working_moment(reached)
    return reached


def next_check(state: SlaState, policy: SlaPolicy) -> datetime | None:
    """The earliest moment a threshold not yet alerted may need an alert (None: nothing to do)."""
    moments = []
    for name in CLOCKS:
        clock = state.clock(name)
        if not clock.running:
            continue
        upcoming = [t for t in thresholds(policy, state.priority) if t.percent > clock.alerted]
        if upcoming:
            reached = reached_at(state, name, upcoming[0].percent, policy)
            if reached is not None:
                moments.append(notify_at(reached, policy, state.priority))
    return min(moments, default=None)


def due_alerts(state: SlaState, policy: SlaPolicy, now: datetime) -> list[DueAlert]:
    """Thresholds reached and not alerted yet; of several of one level only the highest is
    sent (a sweep after downtime sends the 80 % reminder, not the 50 % one as well)."""
    priority = state.priority
    if waits_for_working_time(policy, priority) and not policy.calendar.is_working_time(now):
        return []
    alerts: list[DueAlert] = []
    for name in CLOCKS:
        clock = state.clock(name)
        if not clock.running:
            continue
        found = []
        for threshold in thresholds(policy, priority):
            if threshold.percent <= clock.alerted:
                continue
            reached = reached_at(state, name, threshold.percent, policy)
            if reached is None or notify_at(reached, policy, priority) > now:
                break
            found.append((threshold, reached))
        for i, (threshold, reached) in enumerate(found):
            superseded = any(t.level == threshold.level for t, _ in found[i + 1:])
            alerts.append(DueAlert(name, threshold.percent, threshold.level, reached, superseded))
    return alerts


def breached(state: SlaState, name: str, now: datetime) -> bool:
    """Whether the clock missed its due time (a stopped clock: when it stopped)."""
    clock = state.clock(name)
    if clock.due is None:
        return False
    if clock.stopped_at is not None:
        return clock.stopped_at > clock.due
    if clock.running:
        return now > clock.due
    return clock.due < (state.paused_at or now) if name == RESOLUTION else False
