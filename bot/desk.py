"""The desk's services, built once and shared by the bot, the CLI and the sandbox."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot import db
from bot.clock import Clock, SystemClock
from bot.directory_sync import sync_directory
from bot.settings import Settings

logger = logging.getLogger(__name__)


@dataclass
class Desk:
    """Everything a handler, a job or a command needs, in one place."""

    settings: Settings
    clock: Clock
    engine: Engine
    sessions: sessionmaker[Session]

    @property
    def timezone(self) -> ZoneInfo:
        return ZoneInfo(self.settings.desk.timezone)


def open_desk(settings: Settings, clock: Clock | None = None, *, migrate: bool = True) -> Desk:
    """Connect the database, apply migrations and sync the directory from the config."""
    settings.desk.data_dir.mkdir(parents=True, exist_ok=True)
    engine = db.make_engine(settings.database_url)
    if migrate:
        db.upgrade(engine)
    desk = Desk(settings, clock or SystemClock(), engine, db.make_sessions(engine))
    with desk.sessions.begin() as session:
        sync_directory(session, settings, desk.clock)
    return desk
