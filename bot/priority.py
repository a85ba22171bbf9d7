"""Priority from impact × urgency, and the SLA due times that follow from it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.calendar import TwentyFourSeven, WorkingCalendar, WorkingTime
from bot.settings import IMPACTS, URGENCIES, PriorityTarget, SlaSettings

IMPACT_LABELS = {"personal": "个人", "department": "部门", "organization": "全单位或对外服务"}
URGENCY_LABELS = {"deferrable": "可延后", "work_affected": "影响工作", "outage": "业务中断"}
PRIORITY_LABELS = {"P1": "P1 紧急", "P2": "P2 高", "P3": "P3 中", "P4": "P4 低"}


@dataclass(frozen=True)
class DueTimes:
    """When a ticket must be responded to and resolved."""

    response_due: datetime
    resolution_due: datetime


class SlaPolicy:
    """The SLA rules of this desk: the matrix, the targets and the clocks they run on."""

    def __init__(self, sla: SlaSettings, calendar: WorkingCalendar) -> None:
        self.sla = sla
        self.calendar = calendar
        self._plain = TwentyFourSeven()

    def priority(self, impact: str, urgency: str) -> str:
        """The matrix: impact × urgency → P1…P4."""
        if impact not in IMPACTS or urgency not in URGENCIES:
            raise ValueError(f"unknown impact/urgency {impact!r}/{urgency!r}")
        return self.sla.matrix[impact][urgency]

    def target(self, priority: str) -> PriorityTarget:
        return self.sla.targets[priority]

    def clock_for(self, priority: str) -> WorkingTime:
        """Working time for most priorities; plain time for 24 × 7 ones."""
        return self._plain if self.target(priority).clock == "24x7" else self.calendar

    def due_times(self, priority: str, start: datetime) -> DueTimes:
        """The response and resolution due times of a ticket submitted at `start`."""
        target, clock = self.target(priority), self.clock_for(priority)
        return DueTimes(clock.add_working_minutes(start, target.response_minutes),
                        clock.add_working_minutes(start, target.resolution_minutes))
