"""Fixtures for every tier: a fresh database, settings and a desk per test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("PTB_TIMEDELTA", "1")  # RetryAfter.retry_after as timedelta, no warning

from bot.desk import Desk  # noqa: E402
from bot.settings import Settings  # noqa: E402
from tests.support.databases import fresh_database_url  # noqa: E402
from tests.support.factories import make_desk, make_settings  # noqa: E402


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    with fresh_database_url(tmp_path) as url:
        yield url


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(tmp_path, database_url)


@pytest.fixture
def desk(settings: Settings) -> Iterator[Desk]:
    desk = make_desk(settings)
    yield desk
    desk.close()
