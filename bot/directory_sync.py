"""Bring the database's teams, categories and configured people in line with the config."""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import chat_migrations
from bot.clock import Clock
from bot.lifecycle import Origin
from bot.models import Category, Person, PersonRole, Team
from bot.people import set_teams
from bot.settings import Settings
from bot.team_changes import Departure, release

logger = logging.getLogger(__name__)


def sync_directory(session: Session, settings: Settings, clock: Clock) -> list[Departure]:
    """Upsert what the config declares; deactivate what it no longer declares.

    People added by registration or the CLI are left alone; people that came from the
    config and were removed from it are deactivated, never deleted (tickets keep them).
    Someone who left a team (or the config) hands their open tickets back to its queue;
    the departures are returned so the caller can tell the leads.
    """
    teams = _sync_teams(session, settings)
    _sync_categories(session, settings, teams)
    return _sync_people(session, settings, clock)


def _sync_teams(session: Session, settings: Settings) -> dict[str, Team]:
    existing = {team.code: team for team in session.scalars(select(Team))}
    migrated = chat_migrations.current_ids(session)  # a group upgraded since: its new id
    for spec in settings.teams:
        team = existing.get(spec.code) or Team(code=spec.code)
        chat_id = migrated.get(spec.chat_id, spec.chat_id) if spec.chat_id else spec.chat_id
        if chat_id != spec.chat_id:
            logger.warning("team %s: its group %s was upgraded to supergroup %s; using the "
                           "new id — put chat_id = %s in the config", spec.code, spec.chat_id,
                           chat_id, chat_id)
        team.name, team.chat_id, team.active = spec.name, chat_id, True
        session.add(team)
        existing[spec.code] = team
    declared = {spec.code for spec in settings.teams}
    for code, team in existing.items():
        if code not in declared and team.active:
            logger.warning("team %s is no longer in the config: deactivated", code)
            team.active = False
    session.flush()
    return existing


def _sync_categories(session: Session, settings: Settings, teams: dict[str, Team]) -> None:
    existing = {c.code: c for c in session.scalars(select(Category))}
    for position, spec in enumerate(settings.categories):
        category = existing.get(spec.code) or Category(code=spec.code)
        category.name, category.group_name = spec.name, spec.group
        category.team, category.position, category.active = teams[spec.team], position, True
        session.add(category)
    declared = {spec.code for spec in settings.categories}
    for code, category in existing.items():
        if code not in declared:
            category.active = False
    session.flush()


def _sync_people(session: Session, settings: Settings, clock: Clock) -> list[Departure]:
    leads = {(tid, team.code) for team in settings.teams for tid in team.leads}
    departures: list[Departure] = []
    origin = Origin(None, source="config")
    by_telegram = {p.telegram_id: p for p in session.scalars(select(Person))}
    for spec in settings.people:
        person = by_telegram.get(spec.telegram_id)
        if person is None:
            person = Person(telegram_id=spec.telegram_id, created_at=clock.now())
            session.add(person)
        person.name, person.unit, person.active, person.source = (
            spec.name, spec.unit, True, "config")
        lead_teams = tuple(code for tid, code in leads if tid == spec.telegram_id)
        roles = list(dict.fromkeys(spec.roles + (("lead",) if lead_teams else ())))
        if set(roles) != person.role_codes:
            person.roles = [PersonRole(role=role) for role in roles]
        session.flush()
        teams = tuple(dict.fromkeys(spec.teams + lead_teams))
        departures += [release(session, person, m.team, origin, clock.now(), remove=True)
                       for m in list(person.memberships) if m.team.code not in teams]
        set_teams(session, person, teams, lead_teams)
    declared = {spec.telegram_id for spec in settings.people}
    for telegram_id, person in by_telegram.items():
        if person.source == "config" and telegram_id not in declared and person.active:
            person.active = False
            departures += [release(session, person, m.team, origin, clock.now(), remove=False)
                           for m in person.memberships]
    session.flush()
    return [d for d in departures if d.returned_ticket_ids]
