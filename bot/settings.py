"""Typed settings: what the configuration file says, after validation."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path

ROLES = ("reporter", "technician", "lead", "supervisor", "knowledge_manager", "admin")
IMPACTS = ("personal", "department", "organization")
URGENCIES = ("deferrable", "work_affected", "outage")
PRIORITIES = ("P1", "P2", "P3", "P4")


@dataclass(frozen=True)
class DeskSettings:
    name: str = "政务运维服务台"
    timezone: str = "Asia/Shanghai"
    open_registration: bool = True
    data_dir: Path = Path("govdesk-data")


@dataclass(frozen=True)
class TelegramSettings:
    token: str = ""
    api_url: str = ""
    file_api_url: str = ""
    poll_timeout: int = 30


@dataclass(frozen=True)
class DatabaseSettings:
    url: str = ""


@dataclass(frozen=True)
class DutySettings:
    """A team's duty roster (值班表): who is on duty when, from `[teams.duty]`."""

    rotation: tuple[int, ...]
    period: str = "day"  # "day" or "week"
    handoff: time = time(9, 0)
    handoff_weekday: int = 1  # week period: 1 = Monday … 7 = Sunday
    after_hours_rotation: tuple[int, ...] = ()
    after_hours_start: time | None = None  # None: the end of the last working interval
    follow_calendar: bool = True
    anchor: date = date(2026, 1, 5)  # the first shift of rotation[0] (a Monday)


@dataclass(frozen=True)
class TeamSettings:
    code: str
    name: str
    chat_id: int | None = None
    leads: tuple[int, ...] = ()
    duty: DutySettings | None = None


@dataclass(frozen=True)
class CategorySettings:
    code: str
    name: str
    group: str
    team: str


@dataclass(frozen=True)
class PersonSettings:
    telegram_id: int
    name: str
    unit: str = ""
    roles: tuple[str, ...] = ("reporter",)
    teams: tuple[str, ...] = ()


@dataclass(frozen=True)
class PriorityTarget:
    """SLA targets of one priority, in minutes of its clock."""

    response_minutes: int
    resolution_minutes: int
    clock: str  # "working" or "24x7"


@dataclass(frozen=True)
class SlaSettings:
    matrix: dict[str, dict[str, str]]
    targets: dict[str, PriorityTarget]
    reminder_percents: tuple[int, ...] = (50, 80)
    lead_escalation_percent: int = 100
    supervisor_escalation_percent: int = 150
    sweep_seconds: int = 30
    alerts: dict[str, AlertSettings] = field(default_factory=dict)  # per priority


ALERT_RECIPIENTS = ("assignee", "on_duty", "team_group", "team", "leads", "supervisors")


@dataclass(frozen=True)
class AlertSettings:
    """When a priority's SLA reminders and escalations go out, and to whom ([sla.alerts.Pn])."""

    reminder_percents: tuple[int, ...] = (50, 80)
    lead_percent: int = 100
    supervisor_percent: int = 150
    reminder_to: tuple[str, ...] = ("assignee",)
    unclaimed_to: tuple[str, ...] = ("on_duty", "team_group")
    lead_to: tuple[str, ...] = ("leads",)
    supervisor_to: tuple[str, ...] = ("supervisors",)
    outside_working_time: str = "send"  # "send" at once, or "wait" for the next working period


@dataclass(frozen=True)
class CalendarSettings:
    working_hours: tuple[tuple[time, time], ...] = (
        (time(9), time(12)), (time(13, 30), time(17, 30)))
    working_weekdays: tuple[int, ...] = (1, 2, 3, 4, 5)
    holidays: tuple = ()
    workdays: tuple = ()
    declared_years: tuple[int, ...] = ()


@dataclass(frozen=True)
class TicketSettings:
    auto_close_working_days: int = 3
    reopen_window_working_days: int = 5
    max_description_chars: int = 2000
    max_attachments: int = 5


@dataclass(frozen=True)
class Settings:
    desk: DeskSettings = field(default_factory=DeskSettings)
    telegram: TelegramSettings = field(default_factory=TelegramSettings)
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    teams: tuple[TeamSettings, ...] = ()
    categories: tuple[CategorySettings, ...] = ()
    people: tuple[PersonSettings, ...] = ()
    sla: SlaSettings | None = None
    calendar: CalendarSettings = field(default_factory=CalendarSettings)
    tickets: TicketSettings = field(default_factory=TicketSettings)
    source: str = "内置默认配置"

    @property
    def database_url(self) -> str:
        """The database URL: the configured one, else SQLite in the data directory."""
        if self.database.url:
            return self.database.url
        return f"sqlite:///{(self.desk.data_dir / 'govdesk.sqlite3').resolve()}"

    @property
    def index_dir(self) -> Path:
        return self.desk.data_dir / "index"
