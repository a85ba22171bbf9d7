"""Typed access to raw TOML values, with errors that name the key and the file."""

from __future__ import annotations

from datetime import date, time
from typing import Any


class ConfigError(Exception):
    """The configuration is wrong; the message names the key and the file."""


class Reader:
    """A view of one TOML table that knows its dotted path and source file."""

    def __init__(self, data: dict[str, Any], source: str, path: str = "") -> None:
        self.data = data
        self.source = source
        self.path = path

    def key(self, name: str) -> str:
        """The dotted name of a key in this table."""
        return f"{self.path}.{name}" if self.path else name

    def error(self, name: str, problem: str) -> ConfigError:
        """An error about key `name` of this table."""
        return ConfigError(f"配置错误（{self.source}）：{self.key(name)} — {problem}")

    def table(self, name: str) -> Reader:
        """The sub-table `name` (empty if absent)."""
        value = self.data.get(name, {})
        if not isinstance(value, dict):
            raise self.error(name, "应为一个表（[section]）")
        return Reader(value, self.source, self.key(name))

    def tables(self, name: str) -> list[Reader]:
        """The array of tables `name` ([[name]])."""
        value = self.data.get(name, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.error(name, "应为表数组（[[...]]）")
        return [Reader(v, self.source, f"{self.key(name)}[{i}]") for i, v in enumerate(value)]

    def _get(self, name: str, kind: type | tuple[type, ...], label: str, required: bool) -> Any:
        if name not in self.data:
            if required:
                raise self.error(name, "缺少此项")
            return None
        value = self.data[name]
        if isinstance(value, bool) and kind is not bool:
            raise self.error(name, f"应为{label}，实际是 {value!r}")
        if not isinstance(value, kind):
            raise self.error(name, f"应为{label}，实际是 {value!r}")
        return value

    def string(self, name: str, *, required: bool = True) -> str:
        value = self._get(name, str, "字符串", required)
        if value is None:
            return ""
        if required and not value.strip():
            raise self.error(name, "不能为空")
        return value

    def integer(self, name: str, *, minimum: int | None = None, maximum: int | None = None,
                required: bool = True) -> int:
        value = self._get(name, int, "整数", required)
        if value is None:
            return 0
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            raise self.error(name, f"应在 {minimum} 到 {maximum} 之间，实际是 {value}")
        return value

    def optional_integer(self, name: str) -> int | None:
        return self._get(name, int, "整数", False)

    def boolean(self, name: str) -> bool:
        return self._get(name, bool, "true 或 false", True)

    def list_of(self, name: str, kind: type, label: str) -> list[Any]:
        value = self.data.get(name, [])
        if not isinstance(value, list):
            raise self.error(name, f"应为{label}列表")
        for item in value:
            if isinstance(item, bool) or not isinstance(item, kind):
                raise self.error(name, f"应为{label}列表，其中 {item!r} 不是{label}")
        return value

    def dates(self, name: str) -> tuple[date, ...]:
        """Dates: "YYYY-MM-DD" strings, TOML dates or ranges "2027-10-01..2027-10-07"."""
        from bot.calendar_config import parse_dates

        try:
            return tuple(sorted(parse_dates(self.data.get(name, []))))
        except ValueError as exc:
            raise self.error(name, str(exc)) from None


def parse_clock_time(text: str) -> time:
    """Parse 'HH:MM' strictly."""
    hours, sep, minutes = text.strip().partition(":")
    if not sep or not hours.isdigit() or not minutes.isdigit() or len(minutes) != 2:
        raise ValueError(f"{text!r} 不是 HH:MM 格式的时间")
    value = int(hours), int(minutes)
    if not (0 <= value[0] <= 23 and 0 <= value[1] < 60):
        raise ValueError(f"{text!r} 不是有效的时间（00:00–23:59）")
    return time(*value)
