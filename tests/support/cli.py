"""Run the `govdesk` command in-process against a test desk's settings."""

from __future__ import annotations

from bot.cli import main
from bot.settings import Settings


def run_cli(settings: Settings, monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    """`govdesk --config … ARGS` on the desk of `settings`: (exit code, stdout, stderr)."""
    monkeypatch.setenv("GOVDESK_DATA_DIR", str(settings.desk.data_dir))
    monkeypatch.setenv("GOVDESK_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("GOVDESK_TELEGRAM_TOKEN", "123:abc")
    code = main(["--config", str(settings.desk.data_dir.parent / "govdesk.toml"), *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err
