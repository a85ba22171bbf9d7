"""Fixtures for every tier: a fresh database, settings and a desk per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.desk import Desk
from bot.settings import Settings
from tests.support.databases import fresh_database_url
from tests.support.factories import make_desk, make_settings


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
    desk.engine.dispose()
