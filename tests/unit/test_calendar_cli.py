"""`govdesk calendar show YYYY-MM [--json]`: each day's kind and source, from the shell."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import chinese_calendar
import pytest

from bot.cli import main
from tests.support.calendars import no_notice_after_2026  # noqa: F401 (a fixture)

DECLARED_2027 = """
[calendar]
holidays = ["2027-10-01..2027-10-07"]
workdays = ["2027-09-26", "2027-10-09"]
declared_years = [2027]
"""


def _show(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture,
          *args: str, config: str = "") -> tuple[int, str, str]:
    monkeypatch.setenv("GOVDESK_DATA_DIR", str(tmp_path / "data"))
    path = tmp_path / "govdesk.toml"
    path.write_text(f'[desk]\nname = "测试服务台"\n{config}', encoding="utf-8")
    code = main(["--config", str(path), "calendar", "show", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _line(out: str, day: str) -> str:
    return next(line for line in out.splitlines() if line.startswith(day))


@pytest.mark.usefixtures("no_notice_after_2026")
def test_text_of_an_estimated_month(tmp_path, monkeypatch, capsys) -> None:
    code, out, _ = _show(tmp_path, monkeypatch, capsys, "2027-02")
    assert code == 0
    assert "本年来源：法定节假日估算（调休未知）" in out.splitlines()[0]
    assert "⚠ 2027 年的国务院放假通知尚未收录" in out and "调休上班日尚不知道" in out
    assert "把 2027 加入 declared_years" in out
    assert _line(out, "2027-02-05") == "2027-02-05 周五  法定节假日  估算  农历除夕"
    assert _line(out, "2027-02-08") == "2027-02-08 周一  法定节假日  估算  春节"
    assert _line(out, "2027-02-09") == (
        "2027-02-09 周二  工作日\u3000\u3000  估算  ⚠ holidays 包的估计：春节（补假），未计入")
    assert _line(out, "2027-02-13").startswith("2027-02-13 周六  周末")
    assert len([line for line in out.splitlines() if line.startswith("2027-02-")]) == 28
    assert out.rstrip().endswith("本月工作日 18 天，非工作日 10 天。")


@pytest.mark.usefixtures("no_notice_after_2026")
def test_json_of_an_estimated_month(tmp_path, monkeypatch, capsys) -> None:
    code, out, _ = _show(tmp_path, monkeypatch, capsys, "2027-10", "--json")
    assert code == 0
    month = json.loads(out)
    assert (month["month"], month["year_source"], month["confirmed"]) == (
        "2027-10", "statutory_estimate", False)
    assert "调休" in month["warning"]
    days = {day["date"]: day for day in month["days"]}
    assert len(days) == 31
    assert days["2027-10-01"] == {
        "date": "2027-10-01", "weekday": "周五", "isoweekday": 5, "kind": "法定节假日",
        "code": "holiday", "working": False, "source": "statutory_estimate",
        "holiday": "国庆节", "observed_estimate": None}
    assert days["2027-10-04"]["working"] is True
    assert days["2027-10-04"]["observed_estimate"] == "国庆节（补假）"
    assert days["2027-10-09"]["code"] == "weekend" and days["2027-10-09"]["holiday"] is None
    assert {day["code"] for day in month["days"]} == {"holiday", "workday", "weekend"}


def test_a_declared_year_comes_from_the_config(tmp_path, monkeypatch, capsys) -> None:
    code, out, _ = _show(tmp_path, monkeypatch, capsys, "2027-10", "--json",
                         config=DECLARED_2027)
    month = json.loads(out)
    assert (month["year_source"], month["confirmed"], month["warning"]) == ("config", True, None)
    days = {day["date"]: day for day in month["days"]}
    assert (days["2027-10-07"]["code"], days["2027-10-07"]["source"]) == ("holiday", "config")
    assert (days["2027-10-09"]["kind"], days["2027-10-09"]["working"]) == ("调休上班", True)
    assert days["2027-10-11"]["source"] == "config"
    code, out, _ = _show(tmp_path, monkeypatch, capsys, "2027-10", config=DECLARED_2027)
    assert "⚠" not in out and "本年来源：配置文件 [calendar]" in out
    assert _line(out, "2027-10-09") == "2027-10-09 周六  调休上班\u3000  配置"


def test_a_notice_month_follows_chinesecalendar(tmp_path, monkeypatch, capsys) -> None:
    code, out, _ = _show(tmp_path, monkeypatch, capsys, "2026-10", "--json")
    month = json.loads(out)
    assert (month["year_source"], month["confirmed"], month["warning"]) == ("notice", True, None)
    for day in month["days"]:
        d = date.fromisoformat(day["date"])
        assert day["working"] == chinese_calendar.is_workday(d), d
        assert day["source"] == "notice"
    days = {day["date"]: day for day in month["days"]}
    assert (days["2026-10-01"]["kind"], days["2026-10-01"]["holiday"]) == ("法定节假日", "国庆节")
    assert days["2026-10-10"]["code"] == "makeup_workday"  # a Saturday the notice made working


@pytest.mark.parametrize("bad", ["2027-13", "abc", "2027-00", "2027/02", "27-02", ""])
def test_bad_months_get_a_clear_message(tmp_path, monkeypatch, capsys, bad: str) -> None:
    code, out, err = _show(tmp_path, monkeypatch, capsys, bad)
    assert code == 1 and out == ""
    assert f"✗ {bad!r} 不是有效的月份：请按 YYYY-MM 填写，例如 2027-02" in err


def test_a_bad_config_date_names_the_key(tmp_path, monkeypatch, capsys) -> None:
    code, out, err = _show(tmp_path, monkeypatch, capsys, "2027-10",
                           config='[calendar]\nholidays = ["2027-10-07..2027-10-01"]\n')
    assert code == 2 and out == ""
    assert "calendar.holidays — '2027-10-07..2027-10-01' 不是有效的日期范围" in err
