"""The configuration: defaults, overrides, and one clear message for every mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "govdesk.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_built_in_defaults_follow_the_design() -> None:
    settings = load_settings(None, environ={})
    assert settings.desk.timezone == "Asia/Shanghai"
    assert [c.code for c in settings.categories] == [
        "network", "host", "security", "storage", "facility", "database", "desktop",
        "app", "content", "data",
    ]
    assert settings.sla.matrix["organization"]["outage"] == "P1"
    assert settings.sla.matrix["personal"]["deferrable"] == "P4"
    targets = settings.sla.targets
    assert (targets["P1"].response_minutes, targets["P1"].resolution_minutes) == (15, 240)
    assert targets["P1"].clock == "24x7"
    assert targets["P2"].resolution_minutes == 8 * 60
    assert targets["P3"].resolution_minutes == 3 * 7 * 60  # three working days of 7 h
    assert settings.source == "内置默认配置"


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, '[telegram]\ntoken = "from-file"\n')
    environ = {
        "GOVDESK_TELEGRAM_TOKEN": "from-env",
        "GOVDESK_TELEGRAM_API_URL": "http://127.0.0.1:8081/bot",
        "GOVDESK_DATABASE_URL": "sqlite:///x.db",
        "GOVDESK_DATA_DIR": str(tmp_path / "d"),
    }
    settings = load_settings(path, environ=environ)
    assert settings.telegram.token == "from-env"
    assert settings.telegram.api_url == "http://127.0.0.1:8081/bot"
    assert settings.database_url == "sqlite:///x.db"
    assert settings.desk.data_dir == tmp_path / "d"


def test_config_file_found_through_environment(tmp_path: Path) -> None:
    path = write(tmp_path, '[desk]\nname = "某市服务台"\n')
    settings = load_settings(None, environ={"GOVDESK_CONFIG": str(path)})
    assert settings.desk.name == "某市服务台"
    assert settings.source == str(path)


def test_example_config_is_valid() -> None:
    example = Path(__file__).parents[2] / "govdesk.example.toml"
    settings = load_settings(example, environ={})
    assert settings.teams and settings.people


@pytest.mark.parametrize(
    ("toml", "key", "problem"),
    [
        ('[[categories]]\ncode="x"\nname="X"\ngroup="G"\nteam="nobody"\n', "categories[0].team",
         "未知的支持组"),
        ('[calendar]\nworking_hours = ["09:00-25:00"]\n', "calendar.working_hours", "时间"),
        ('[calendar]\nworking_hours = ["13:00-12:00"]\n', "calendar.working_hours", "顺序"),
        ('[[teams]]\ncode="a"\nname="A"\n[[teams]]\ncode="a"\nname="B"\n'
         '[[categories]]\ncode="x"\nname="X"\ngroup="G"\nteam="a"\n', "teams[1].code", "重复"),
        ('[desk]\ntimezone = "Mars/Base"\n', "desk.timezone", "未知的时区"),
        ('[sla.targets.P2]\nresponse = "soon"\n', "sla.targets.P2.response", "不是时长"),
        ('[sla.matrix.personal]\noutage = "P9"\n', "sla.matrix.personal.outage", "优先级"),
        ('[[people]]\ntelegram_id = 5\nname = "甲"\nroles = ["boss"]\n', "people[0].roles",
         "未知角色"),
        ('[desk]\nopen_registration = "yes"\n', "desk.open_registration", "true 或 false"),
        ('[teams]\ncode = 1\n', "teams", "表数组"),
        ('[nonsense]\na = 1\n', "nonsense", "未知的配置节"),
    ],
)
def test_a_wrong_config_names_the_key_and_the_file(tmp_path: Path, toml: str, key: str,
                                                   problem: str) -> None:
    path = write(tmp_path, toml)
    with pytest.raises(ConfigError) as raised:
        load_settings(path, environ={})
    message = str(raised.value)
    assert key in message and str(path) in message and problem in message


def test_malformed_toml_is_one_message(tmp_path: Path) -> None:
    path = write(tmp_path, "[desk\nname = ")
    with pytest.raises(ConfigError, match="不是合法的 TOML") as raised:
        load_settings(path, environ={})
    assert str(path) in str(raised.value)


def test_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="不存在"):
        load_settings(tmp_path / "nope.toml", environ={})


def test_team_lead_must_be_a_known_person(tmp_path: Path) -> None:
    path = write(tmp_path, '[[teams]]\ncode="a"\nname="A"\nleads=[42]\n'
                           '[[categories]]\ncode="x"\nname="X"\ngroup="G"\nteam="a"\n')
    with pytest.raises(ConfigError, match=r"teams\[0\]\.leads"):
        load_settings(path, environ={})
