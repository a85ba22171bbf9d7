"""People: look-up, registration and roles (the desk's directory)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, bindparam, select
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.models import Person, PersonRole, Team, TeamMember
from bot.settings import ROLES

MAX_NAME_CHARS = 32
MAX_UNIT_CHARS = 64
STAFF_ROLES = ("technician", "lead", "supervisor", "knowledge_manager", "admin")


class DirectoryError(ValueError):
    """A directory operation was refused; the message is for the user (Chinese)."""


@dataclass(frozen=True)
class PersonView:
    """What the rest of the desk needs to know about a person."""

    id: int
    telegram_id: int | None
    name: str
    unit: str
    roles: frozenset[str]
    team_codes: tuple[str, ...]
    lead_of: tuple[str, ...]

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def is_staff(self) -> bool:
        return self.has_role(*STAFF_ROLES)


def view_of(person: Person) -> PersonView:
    """A detached, read-only view of a person."""
    memberships = sorted(person.memberships, key=lambda m: m.team.code)
    return PersonView(
        id=person.id,
        telegram_id=person.telegram_id,
        name=person.name,
        unit=person.unit,
        roles=person.role_codes,
        team_codes=tuple(m.team.code for m in memberships if m.team.active),
        lead_of=tuple(m.team.code for m in memberships if m.is_lead and m.team.active),
    )


_VIEW_FROM = (  # built once: constructing a statement costs more than running it
    select(Person.id, Person.name, Person.unit, Person.active, PersonRole.role, Team.code,
           Team.active, TeamMember.is_lead, Person.telegram_id)
    .outerjoin(PersonRole, PersonRole.person_id == Person.id)
    .outerjoin(TeamMember, TeamMember.person_id == Person.id)
    .outerjoin(Team, Team.id == TeamMember.team_id))
_VIEW = _VIEW_FROM.where(Person.telegram_id == bindparam("telegram_id"))
_VIEWS = _VIEW_FROM.where(Person.telegram_id.in_(bindparam("telegram_ids", expanding=True)))


def view_by_telegram_id(session: Session, telegram_id: int) -> PersonView | None:
    """view_of(find_by_telegram_id(…)) in one query, without loading entities.

    Every update asks who sent it; loading the Person entity would also load its roles,
    memberships and teams with several more queries.
    """
    return _view(telegram_id, session.execute(_VIEW, {"telegram_id": telegram_id}).all())


def views_by_telegram_id(session: Session,
                         telegram_ids: Iterable[int]) -> dict[int, PersonView | None]:
    """view_by_telegram_id for many people in one query (None: unknown or inactive)."""
    wanted = sorted(set(telegram_ids))
    rows: dict[int, list[Row[Any]]] = {telegram_id: [] for telegram_id in wanted}
    for row in session.execute(_VIEWS, {"telegram_ids": wanted}):
        rows[row[-1]].append(row)
    return {telegram_id: _view(telegram_id, found) for telegram_id, found in rows.items()}


def _view(telegram_id: int, rows: Sequence[Row[Any]]) -> PersonView | None:
    if not rows or not rows[0][3]:
        return None
    person_id, name, unit = rows[0][:3]
    teams = sorted({(code, bool(lead)) for *_, code, active, lead, _ in rows
                    if code and active})
    return PersonView(person_id, telegram_id, name, unit,
                      frozenset(row[4] for row in rows if row[4] is not None),
                      tuple(dict.fromkeys(code for code, _ in teams)),
                      tuple(code for code, lead in teams if lead))


def find_by_telegram_id(session: Session, telegram_id: int) -> Person | None:
    """The active person with this Telegram id, if any."""
    person = session.scalar(select(Person).where(Person.telegram_id == telegram_id))
    return person if person is not None and person.active else None


def clean_name(text: str) -> str:
    """Validate a real name typed in chat."""
    name = " ".join(text.split())
    if not name:
        raise DirectoryError("姓名不能为空，请输入您的真实姓名。")
    if len(name) > MAX_NAME_CHARS:
        raise DirectoryError(f"姓名过长（最多 {MAX_NAME_CHARS} 个字），请重新输入。")
    if name.startswith("/"):
        raise DirectoryError("请输入您的真实姓名，而不是命令。")
    return name


def clean_unit(text: str) -> str:
    """Validate a unit/department typed in chat."""
    unit = " ".join(text.split())
    if not unit:
        raise DirectoryError("单位/部门不能为空，请输入，例如：市财政局 办公室。")
    if len(unit) > MAX_UNIT_CHARS:
        raise DirectoryError(f"单位/部门名称过长（最多 {MAX_UNIT_CHARS} 个字），请重新输入。")
    if unit.startswith("/"):
        raise DirectoryError("请输入您的单位/部门名称，而不是命令。")
    return unit


def add_person(
    session: Session,
    clock: Clock,
    *,
    telegram_id: int,
    name: str,
    unit: str,
    roles: tuple[str, ...] = ("reporter",),
    teams: tuple[str, ...] = (),
    source: str = "registration",
) -> Person:
    """Add a person (registration, CLI); refuses a Telegram id that is already known."""
    existing = session.scalar(select(Person).where(Person.telegram_id == telegram_id))
    if existing is not None and existing.active:
        raise DirectoryError(f"Telegram ID {telegram_id} 已登记为 {existing.name}。")
    unknown = [role for role in roles if role not in ROLES]
    if unknown:
        raise DirectoryError(f"未知角色：{', '.join(unknown)}（可选：{', '.join(ROLES)}）")
    person = existing or Person(telegram_id=telegram_id, created_at=clock.now())
    person.name, person.unit, person.active, person.source = name, unit, True, source
    person.roles = [PersonRole(role=role) for role in dict.fromkeys(roles)]
    session.add(person)
    session.flush()
    set_teams(session, person, teams, leads=())
    return person


def set_teams(session: Session, person: Person, teams: tuple[str, ...],
              leads: tuple[str, ...]) -> None:
    """Make the person a member of exactly `teams` (lead of `leads`)."""
    by_code = {t.code: t for t in session.scalars(select(Team).where(Team.code.in_(teams)))}
    missing = [code for code in teams if code not in by_code]
    if missing:
        raise DirectoryError(f"未知的支持组：{', '.join(missing)}")
    current = {m.team.code: m for m in person.memberships}
    for code, membership in current.items():
        if code not in teams:
            person.memberships.remove(membership)
    for code in teams:
        membership = current.get(code) or TeamMember(team=by_code[code], person=person)
        membership.is_lead = code in leads
        if code not in current:
            person.memberships.append(membership)
    session.flush()


def list_people(session: Session) -> list[Person]:
    """Everyone, active first, by name."""
    return list(session.scalars(select(Person).order_by(Person.active.desc(), Person.name)))
