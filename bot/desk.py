"""The desk's services, built once and shared by the bot, the CLI and the sandbox."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot import db
from bot.calendar import WorkingCalendar
from bot.calendar_config import policy_from_settings
from bot.clock import Clock, SystemClock
from bot.directory_sync import sync_directory
from bot.priority import SlaPolicy
from bot.settings import Settings
from knowledge import KnowledgeBase

logger = logging.getLogger(__name__)


@dataclass
class Desk:
    """Everything a handler, a job or a command needs, in one place."""

    settings: Settings
    clock: Clock
    engine: Engine
    sessions: sessionmaker[Session]
    calendar: WorkingCalendar
    sla: SlaPolicy
    knowledge: KnowledgeBase | None = None

    @property
    def timezone(self) -> ZoneInfo:
        return ZoneInfo(self.settings.desk.timezone)


def open_desk(settings: Settings, clock: Clock | None = None, *, migrate: bool = True,
              with_knowledge: bool = True) -> Desk:
    """Connect the database, apply migrations and sync the directory from the config."""
    settings.desk.data_dir.mkdir(parents=True, exist_ok=True)
    engine = db.make_engine(settings.database_url)
    if migrate:
        db.upgrade(engine)
    calendar = WorkingCalendar(policy_from_settings(settings.calendar, settings.desk.timezone))
    desk = Desk(settings, clock or SystemClock(), engine, db.make_sessions(engine), calendar,
                SlaPolicy(settings.sla, calendar))
    with desk.sessions.begin() as session:
        sync_directory(session, settings, desk.clock)
    if with_knowledge:
        desk.knowledge = open_knowledge(desk)
    return desk


def open_knowledge(desk: Desk) -> KnowledgeBase:
    """Open the knowledge base: load jieba once, check the index, import the starter set."""
    knowledge = KnowledgeBase(desk.settings.index_dir, desk.clock)
    with desk.sessions.begin() as session:
        state = knowledge.open(session)
        if state != "ok":
            logger.info("knowledge index %s", state)
    with desk.sessions.begin() as session:
        report = knowledge.import_starter_if_empty(session)
    if report is not None:
        logger.info("starter knowledge base imported: %s", report)
    return knowledge
