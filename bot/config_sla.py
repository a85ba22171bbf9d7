"""The SLA reminder and escalation policy per priority: `[sla]` defaults, `[sla.alerts.Pn]`.

Every key of a `[sla.alerts.P1]` … `[sla.alerts.P4]` table is optional and falls back to the
`[sla]` value of the same meaning, so a site changes only what differs for one priority.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from bot.config_values import Reader
from bot.settings import ALERT_RECIPIENTS, PRIORITIES, AlertSettings, SlaSettings

ALERT_KEYS = {
    "reminder_percents": "reminder_percents",
    "lead_escalation_percent": "lead_percent",
    "supervisor_escalation_percent": "supervisor_percent",
    "reminder_to": "reminder_to",
    "unclaimed_to": "unclaimed_to",
    "lead_to": "lead_to",
    "supervisor_to": "supervisor_to",
    "outside_working_time": "outside_working_time",
}
RECIPIENT_KEYS = ("reminder_to", "unclaimed_to", "lead_to", "supervisor_to")
OUTSIDE_WORKING_TIME = ("send", "wait")


def parse_sla_alerts(section: Reader, sla: SlaSettings) -> SlaSettings:
    """Add the per-priority alert policy to the parsed `[sla]` settings."""
    base = _read(section, AlertSettings(
        reminder_percents=sla.reminder_percents,
        lead_percent=sla.lead_escalation_percent,
        supervisor_percent=sla.supervisor_escalation_percent,
    ), global_table=True)
    tables = section.table("alerts")
    for name in tables.data:
        if name not in PRIORITIES:
            raise tables.error(name, f"未知的优先级（可选：{', '.join(PRIORITIES)}）")
    alerts = {priority: _read(tables.table(priority), base) for priority in PRIORITIES}
    return replace(sla, alerts=alerts)


def _read(section: Reader, base: AlertSettings, *, global_table: bool = False) -> AlertSettings:
    """One table's keys over `base`; in `[sla]` itself other keys belong to other parsers."""
    if not global_table:
        for key in section.data:
            if key not in ALERT_KEYS:
                raise section.error(key, f"未知的配置项（可用：{', '.join(ALERT_KEYS)}）")
    values: dict[str, Any] = {}
    if "reminder_percents" in section.data:
        percents = tuple(section.list_of("reminder_percents", int, "整数"))
        if any(not 0 < p < 100 for p in percents):
            raise section.error("reminder_percents", "提醒阈值应在 1 到 99 之间")
        values["reminder_percents"] = tuple(sorted(set(percents)))
    for key in ("lead_escalation_percent", "supervisor_escalation_percent"):
        if key in section.data:
            values[ALERT_KEYS[key]] = section.integer(key, minimum=50, maximum=1000)
    for key in RECIPIENT_KEYS:
        if key in section.data:
            values[key] = _recipients(section, key)
    if "outside_working_time" in section.data:
        mode = section.string("outside_working_time")
        if mode not in OUTSIDE_WORKING_TIME:
            raise section.error("outside_working_time",
                                f"应为 \"send\"（立即发送）或 \"wait\"（等到下一个工作时段），"
                                f"实际是 {mode!r}")
        values["outside_working_time"] = mode
    result = replace(base, **values)
    _check_order(section, result)
    return result


def _recipients(section: Reader, key: str) -> tuple[str, ...]:
    names = tuple(section.list_of(key, str, "字符串"))
    for name in names:
        if name not in ALERT_RECIPIENTS:
            raise section.error(
                key, f"未知的接收人 {name!r}（可选：{', '.join(ALERT_RECIPIENTS)}）")
    if not names:
        raise section.error(key, "至少需要一个接收人")
    return tuple(dict.fromkeys(names))


def _check_order(section: Reader, alerts: AlertSettings) -> None:
    """Reminders come before the breach escalation, which comes before the supervisors'."""
    if alerts.reminder_percents and max(alerts.reminder_percents) >= alerts.lead_percent:
        raise section.error("reminder_percents",
                            "提醒阈值应低于组长升级阈值 lead_escalation_percent")
    if alerts.supervisor_percent <= alerts.lead_percent:
        raise section.error("supervisor_escalation_percent",
                            "主管升级阈值应高于组长升级阈值 lead_escalation_percent")
