"""The SLA alert policy in the config: defaults, per-priority overrides, errors naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings


def _load(tmp_path: Path, text: str):
    path = tmp_path / "govdesk.toml"
    path.write_text(text, encoding="utf-8")
    return load_settings(path, environ={})


def test_defaults_wait_for_working_time_only_for_p3_and_p4(tmp_path: Path) -> None:
    alerts = _load(tmp_path, "").sla.alerts
    assert {p: a.outside_working_time for p, a in alerts.items()} == {
        "P1": "send", "P2": "send", "P3": "wait", "P4": "wait"}
    assert alerts["P2"].reminder_percents == (50, 80)
    assert (alerts["P2"].lead_percent, alerts["P2"].supervisor_percent) == (100, 150)
    assert alerts["P2"].unclaimed_to == ("on_duty", "team_group")


def test_a_priority_overrides_only_what_it_names(tmp_path: Path) -> None:
    settings = _load(tmp_path, """
[sla]
reminder_percents = [60]
supervisor_to = ["supervisors", "leads"]

[sla.alerts.P1]
reminder_percents = [25, 50, 75]
lead_escalation_percent = 90
lead_to = ["leads", "team_group"]
""")
    p1, p2 = settings.sla.alerts["P1"], settings.sla.alerts["P2"]
    assert p1.reminder_percents == (25, 50, 75) and p1.lead_percent == 90
    assert p1.lead_to == ("leads", "team_group")
    assert p1.supervisor_to == ("supervisors", "leads")  # from [sla]
    assert p1.outside_working_time == "send"  # from the built-in [sla.alerts.P1]
    assert p2.reminder_percents == (60,)


@pytest.mark.parametrize(("text", "key", "words"), [
    ("[sla.alerts.P5]\nreminder_percents = [50]", "sla.alerts.P5", "未知的优先级"),
    ("[sla.alerts.P2]\nreminders = [50]", "sla.alerts.P2.reminders", "未知的配置项"),
    ("[sla.alerts.P2]\nlead_to = [\"boss\"]", "sla.alerts.P2.lead_to", "未知的接收人"),
    ("[sla.alerts.P2]\nlead_to = []", "sla.alerts.P2.lead_to", "至少需要一个接收人"),
    ("[sla.alerts.P3]\noutside_working_time = \"later\"", "sla.alerts.P3.outside_working_time",
     "wait"),
    ("[sla.alerts.P2]\nreminder_percents = [120]", "sla.alerts.P2.reminder_percents", "1 到 99"),
    ("[sla.alerts.P2]\nlead_escalation_percent = 70", "sla.alerts.P2.reminder_percents",
     "低于组长升级阈值"),
    ("[sla.alerts.P2]\nsupervisor_escalation_percent = 100",
     "sla.alerts.P2.supervisor_escalation_percent", "高于组长升级阈值"),
    ("[sla]\nunclaimed_to = [\"on_duty\", 3]", "sla.unclaimed_to", "字符串"),
])
def test_mistakes_name_the_key(tmp_path: Path, text: str, key: str, words: str) -> None:
    with pytest.raises(ConfigError) as raised:
        _load(tmp_path, text)
    assert key in str(raised.value) and words in str(raised.value)


def test_the_example_config_loads(tmp_path: Path) -> None:
    example = Path(__file__).resolve().parents[2] / "govdesk.example.toml"
    settings = load_settings(example, environ={"GOVDESK_DATA_DIR": str(tmp_path)})
    assert settings.sla.alerts["P4"].outside_working_time == "wait"
