"""The desk's services, built once and shared by the bot, the CLI and the sandbox."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot import db, db_state, sla_store
from bot.calendar import WorkingCalendar
from bot.calendar_config import policy_from_settings
from bot.claim_memo import ClaimMemo
from bot.clock import Clock, SystemClock
from bot.db_work import DatabaseWork
from bot.directory_sync import sync_directory
from bot.duty import DutyRoster
from bot.priority import SlaPolicy
from bot.settings import Settings
from bot.team_changes import Departure
from knowledge import RELEVANCE_FLOOR, KnowledgeBase

logger = logging.getLogger(__name__)
Announcer = Callable[[Session, "Desk", Departure], None]


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

    @cached_property
    def database(self) -> DatabaseWork:
        """Where the bot's hot paths run their transactions (inline on SQLite)."""
        return DatabaseWork(self.engine, self.sessions)

    @cached_property
    def claim_memo(self) -> ClaimMemo:
        """Who holds a contested ticket, for refusing the other presses without a query."""
        memo = ClaimMemo()
        memo.watch(self.sessions)
        return memo

    def close(self) -> None:
        """Finish the database work in flight and close the connections."""
        if "database" in self.__dict__:
            self.database.close()
        self.engine.dispose()

    @cached_property
    def roster(self) -> DutyRoster:
        """Every team's duty rotation (值班表), from the config and the working calendar."""
        return DutyRoster(self.settings.teams, self.calendar, self.settings.desk.timezone)


def open_desk(settings: Settings, clock: Clock | None = None, *, migrate: bool = True,
              with_knowledge: bool = True, announce: Announcer | None = None,
              starter: bool = True, init: bool = False) -> Desk:
    """Connect the database, apply migrations and sync the directory from the config.

    Before migrating, a database made by a newer govdesk, or an empty database beside the
    search index of an earlier install, is refused (bot.db_state.DatabaseRefused) — the
    latter unless `init` (`govdesk run --init`).

    `starter=False` skips importing the starter articles into an empty knowledge base
    (tests that bring their own articles). `announce` tells the leads about people who left
    a team in the config (their open tickets went back to the queue); see
    handlers.notify.announce_departure.
    """
    settings.desk.data_dir.mkdir(parents=True, exist_ok=True)
    engine = db.make_engine(settings.database_url)
    if migrate:
        try:
            db_state.check_before_migrating(settings, engine, init=init)
            db.upgrade(engine)
        except BaseException:
            engine.dispose()
            raise
    calendar = WorkingCalendar(policy_from_settings(settings.calendar, settings.desk.timezone))
    desk = Desk(settings, clock or SystemClock(), engine, db.make_sessions(engine), calendar,
                SlaPolicy(settings.sla, calendar))
    this_year = desk.clock.now().astimezone(desk.timezone).year
    calendar.warn_unconfirmed((this_year, this_year + 1))  # a year without its 调休: say so now
    sla_store.install(desk.sessions, desk.sla)  # ticket events move the SLA clocks
    with desk.sessions.begin() as session:
        for departure in sync_directory(session, settings, desk.clock):
            logger.warning("%s left team %s: %d open tickets back in the queue",
                           departure.person_name, departure.team_code,
                           len(departure.returned_ticket_ids))
            if announce is not None:
                announce(session, desk, departure)
    if with_knowledge:
        desk.knowledge = open_knowledge(desk, starter)
    return desk


def open_knowledge(desk: Desk, starter: bool = True) -> KnowledgeBase:
    """Open the knowledge base: load jieba once, check the index, import the starter set."""
    knowledge = KnowledgeBase(
        desk.settings.index_dir, desk.clock, relevance_floor=RELEVANCE_FLOOR
    )
    with desk.sessions.begin() as session:
        state = knowledge.open(session)
        if state != "ok":
            logger.info("knowledge index %s", state)
    if not starter:
        return knowledge
    with desk.sessions.begin() as session:
        report = knowledge.import_starter_if_empty(session)
    if report is not None:
        logger.info("starter knowledge base imported: %s", report)
    return knowledge
