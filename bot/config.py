"""Load and validate the configuration: one TOML file, built-in defaults, env overrides."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.calendar_config import policy_from_settings
from bot.config_sections import (
    check_duty,
    parse_calendar,
    parse_categories,
    parse_people,
    parse_sla,
    parse_teams,
    parse_tickets,
)
from bot.config_sla import parse_sla_alerts
from bot.config_values import ConfigError, Reader
from bot.settings import DatabaseSettings, DeskSettings, Settings, TelegramSettings

__all__ = ["ConfigError", "find_config_file", "load_settings"]

ENV_CONFIG = "GOVDESK_CONFIG"
ENV_OVERRIDES = {
    "GOVDESK_TELEGRAM_TOKEN": ("telegram", "token"),
    "GOVDESK_TELEGRAM_API_URL": ("telegram", "api_url"),
    "GOVDESK_DATABASE_URL": ("database", "url"),
    "GOVDESK_DATA_DIR": ("desk", "data_dir"),
}
LIST_SECTIONS = ("teams", "categories", "people")


def find_config_file(
    explicit: str | os.PathLike[str] | None, environ: Mapping[str, str] | None = None
) -> Path | None:
    """Pick the config file: --config, else $GOVDESK_CONFIG, else ./govdesk.toml if present."""
    if explicit:
        return Path(explicit)
    from_env = (os.environ if environ is None else environ).get(ENV_CONFIG)
    if from_env:
        return Path(from_env)
    local = Path("govdesk.toml")
    return local if local.is_file() else None


def _defaults() -> dict[str, Any]:
    text = resources.files("bot").joinpath("defaults.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Merge tables key by key; lists and scalars in the override replace the default."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _read_file(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ConfigError(f"配置文件 {path} 不存在或不是文件")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"配置文件 {path} 不是合法的 TOML：{exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"无法读取配置文件 {path}：{exc}") from None


def load_settings(
    config_path: str | os.PathLike[str] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Read the configuration and return validated settings, or raise ConfigError."""
    env = os.environ if environ is None else environ
    path = find_config_file(config_path, env)
    raw = _defaults()
    source = "内置默认配置"
    if path is not None:
        raw = _merge(raw, _read_file(path))
        source = str(path)
    for variable, (section, key) in ENV_OVERRIDES.items():
        if env.get(variable):
            raw.setdefault(section, {})[key] = env[variable]
    return _build(raw, source)


def _build(raw: dict[str, Any], source: str) -> Settings:
    reader = Reader(raw, source)
    known = {"desk", "telegram", "database", "sla", "calendar", "tickets", *LIST_SECTIONS}
    for key in raw:
        if key not in known:
            raise reader.error(key, "未知的配置节")
    desk = _parse_desk(reader.table("desk"))
    calendar = parse_calendar(reader.table("calendar"))
    try:
        policy_from_settings(calendar, desk.timezone)
    except ValueError as exc:
        raise reader.error("calendar", str(exc)) from None
    teams = parse_teams(reader)
    team_codes = {team.code for team in teams}
    people = parse_people(reader, team_codes)
    _check_leads(reader, teams, {person.telegram_id for person in people})
    check_duty(reader, teams, people, calendar)
    return Settings(
        desk=desk,
        telegram=_parse_telegram(reader.table("telegram")),
        database=DatabaseSettings(url=reader.table("database").string("url", required=False)),
        teams=teams,
        categories=parse_categories(reader, team_codes),
        people=people,
        sla=parse_sla_alerts(reader.table("sla"), parse_sla(reader.table("sla"), calendar)),
        calendar=calendar,
        tickets=parse_tickets(reader.table("tickets")),
        source=source,
    )


def _parse_desk(section: Reader) -> DeskSettings:
    timezone = section.string("timezone")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise section.error("timezone", f"未知的时区 {timezone!r}（例如 Asia/Shanghai）") from None
    return DeskSettings(
        name=section.string("name"),
        timezone=timezone,
        open_registration=section.boolean("open_registration"),
        data_dir=Path(section.string("data_dir")),
    )


def _parse_telegram(section: Reader) -> TelegramSettings:
    api_url = section.string("api_url", required=False).rstrip("/")
    for key in ("api_url", "file_api_url"):
        value = section.string(key, required=False)
        if value and not value.startswith(("http://", "https://")):
            raise section.error(key, "必须以 http:// 或 https:// 开头")
    poll_timeout = section.integer("poll_timeout", minimum=1, maximum=60)
    return TelegramSettings(
        token=section.string("token", required=False).strip(),
        api_url=api_url,
        file_api_url=section.string("file_api_url", required=False).rstrip("/"),
        poll_timeout=poll_timeout,
    )



def _check_leads(reader: Reader, teams: tuple, people: set[int]) -> None:
    for index, team in enumerate(teams):
        for lead in team.leads:
            if lead not in people:
                raise reader.error(f"teams[{index}].leads",
                                   f"{lead} 不在 [[people]] 中，请先登记此人")
