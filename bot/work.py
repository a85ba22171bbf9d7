"""A technician's work on a ticket: claim, start, pend, resume, resolve, reassign.

Claims are decided by one conditional UPDATE, so exactly one of many simultaneous presses
wins — the claims of one moment together (claim_all).
Permission: the assignee, or a lead of the ticket's team, may act on a claimed ticket;
any technician of the team may claim an unclaimed one.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, Row, Update, bindparam, case, func, select, update
from sqlalchemy.orm import Session, aliased
from sqlalchemy.orm.util import identity_key

from bot import sla_store
from bot.lifecycle import NEW, TRANSITIONS, Origin, TransitionRefused, apply, record_for
from bot.models import Category, Person, Team, Ticket
from bot.people import PersonView

MAX_RESOLUTION_CHARS = 2000
MAX_EFFORT_MINUTES = 7 * 24 * 60
PENDING_REASONS = {"user": "等待用户", "vendor": "等待厂商", "parts": "等待备件"}


class WorkRefused(Exception):
    """The person may not do this to this ticket; the message is for them (Chinese)."""


def in_team(person: PersonView, ticket: Ticket) -> bool:
    return ticket.team.code in person.team_codes


def is_team_lead(person: PersonView, ticket: Ticket) -> bool:
    return ticket.team.code in person.lead_of


def check_may_work(person: PersonView, ticket: Ticket) -> None:
    """Only the assignee or a lead of the team; others get a clear refusal."""
    if person.has_role("supervisor", "admin") or is_team_lead(person, ticket):
        return
    if not in_team(person, ticket) or not person.has_role("technician", "lead"):
        raise WorkRefused("无权操作：您不是该工单所属支持组的成员。")
    if ticket.assignee_id != person.id:
        raise WorkRefused("仅处理人可操作。")


Reporter, Holder = aliased(Person), aliased(Person)
_CLAIM_COLUMNS = (Ticket.status, Ticket.assignee_id, Team.code, Holder.name, Ticket.number,
                  Reporter.telegram_id, Reporter.name, Category.name, Ticket.id)
_CLAIM_FROM = (  # built once: constructing a statement costs more than running it
    select(*_CLAIM_COLUMNS)
    .join(Team, Ticket.team_id == Team.id)
    .join(Category, Ticket.category_id == Category.id)
    .join(Reporter, Reporter.id == Ticket.reporter_id)
    .outerjoin(Holder, Holder.id == Ticket.assignee_id))
_CLAIM_STATE = _CLAIM_FROM.where(Ticket.id == bindparam("ticket_id"))
_CLAIM_STATES = _CLAIM_FROM.where(Ticket.id.in_(bindparam("ticket_ids", expanding=True)))

_TICKETS = Ticket.__table__


class AlreadyTaken(TransitionRefused):
    """A claim on a ticket that is no longer waiting to be claimed."""

    def __init__(self, holder: str | None, status: str | None, team_code: str = "") -> None:
        super().__init__(f"该工单已由 {holder} 认领。" if holder else "该工单已不在待认领状态。")
        self.holder = holder
        self.status = status
        self.team_code = team_code


@dataclass(frozen=True)
class ClaimTarget:
    """An unclaimed ticket as a claim sees it: what its notices and the claim memo need."""

    ticket_id: int
    number: str
    team_code: str
    reporter_telegram_id: int | None
    reporter_name: str
    category_name: str


def check_may_claim(person: PersonView, team_code: str) -> None:
    """Only technicians and leads of the ticket's team claim its tickets."""
    if not person.has_role("technician", "lead") or team_code not in person.team_codes:
        raise WorkRefused("无权操作：只有该支持组的运维工程师可以认领。")


@dataclass(frozen=True)
class ClaimRequest:
    """One press of 「认领」: who wants which ticket, and where they pressed."""

    ticket_id: int
    person: PersonView
    origin: Origin


def claim(session: Session, ticket_id: int, person: PersonView, origin: Origin,
          now: datetime) -> ClaimTarget:
    """Claim an unclaimed ticket (claim_all for one request); a refusal is raised."""
    result = claim_all(session, [ClaimRequest(ticket_id, person, origin)], now)[0]
    if isinstance(result, Exception):
        raise result
    return result


def claim_all(session: Session, requests: Sequence[ClaimRequest],
              now: datetime) -> list[ClaimTarget | WorkRefused | TransitionRefused]:
    """Decide many claims in one transaction: per request its ClaimTarget, or the refusal.

    Group commit for a contested moment (bot.batches): the tickets asked for are locked in
    id order (so two transactions that lock several tickets cannot deadlock) and read in
    one query — after the lock, so a claim that had to wait sees who won; per ticket the
    first request that may claim it, in arrival order, wins; one conditional UPDATE claims
    them all (it still decides), and the other requests are told who won. The tickets are
    never loaded: the claim events move the SLA clocks the UPDATE returned (bot.sla_store),
    and the caller gets what its notices need.
    """
    ticket_ids = sorted({request.ticket_id for request in requests})
    sla_store.lock(session, ticket_ids)
    rows = {row[-1]: row for row in session.execute(_CLAIM_STATES, {"ticket_ids": ticket_ids})}
    decided: list[ClaimTarget | WorkRefused | TransitionRefused | None] = [None] * len(requests)
    first: dict[int, int] = {}  # ticket id → the index of the request that claims it
    later: dict[int, list[int]] = defaultdict(list)  # … and of those it leaves behind
    for index, request in enumerate(requests):
        try:
            target = _claimable(rows.get(request.ticket_id), request.person)
        except (WorkRefused, AlreadyTaken) as refusal:
            decided[index] = refusal
            continue
        if request.ticket_id in first:
            later[request.ticket_id].append(index)
        else:
            first[request.ticket_id] = index
            decided[index] = target
    with session.no_autoflush:  # the UPDATE first, then every event in one flush
        won = _take(session, {ticket_id: requests[index].person.id
                              for ticket_id, index in first.items()}, now)
        for ticket_id, index in first.items():
            if ticket_id in won:
                taken = AlreadyTaken(requests[index].person.name, TRANSITIONS["claim"][1],
                                     rows[ticket_id][2])
            else:  # the UPDATE found it taken after all
                status, _, team_code, holder, *_ = session.execute(
                    _CLAIM_STATE, {"ticket_id": ticket_id}).one()
                decided[index] = taken = AlreadyTaken(holder, status, team_code)
            for other in later[ticket_id]:
                decided[other] = taken
    sla_store.mark_locked(session, list(won), won)
    for ticket_id in sorted(won):
        record_for(session, ticket_id, "claim", requests[first[ticket_id]].origin, now,
                   from_status=NEW, to_status=TRANSITIONS["claim"][1])
    return decided  # type: ignore[return-value]


def _claimable(row: Row[Any] | None, person: PersonView) -> ClaimTarget:
    """The ticket as a claim by `person` sees it, from its _CLAIM_FROM row; or refuse."""
    if row is None:
        raise WorkRefused("工单不存在。")
    status, assignee_id, team_code, holder, number, reporter_telegram_id, reporter, category, \
        ticket_id = row
    check_may_claim(person, team_code)
    if assignee_id is not None or status not in TRANSITIONS["claim"][0]:
        raise AlreadyTaken(holder, status, team_code)
    return ClaimTarget(ticket_id, number, team_code, reporter_telegram_id, reporter, category)


def _take(session: Session, assignees: Mapping[int, int],
          now: datetime) -> dict[int, dict[str, Any]]:
    """The conditional UPDATE of all claims (ticket id → the claimer's person id): per
    ticket won, its SLA clocks as they were."""
    if not assignees:
        return {}
    params: dict[str, Any] = {"now": now}
    for index, (ticket_id, person_id) in enumerate(sorted(assignees.items())):
        params[f"t{index}"], params[f"a{index}"] = ticket_id, person_id
    returned = session.execute(_claims_update(len(assignees)), params)
    won = {row["id"]: {name: row[name] for name in sla_store.SLA_COLUMNS}
           for row in returned.mappings()}
    for ticket_id in won:
        loaded = session.identity_map.get(identity_key(Ticket, ticket_id))
        if loaded is not None:  # the caller's copy is out of date now
            session.expire(loaded)
    return won


@functools.lru_cache(maxsize=128)
def _claims_update(count: int) -> Update:
    """UPDATE … SET assignee_id = CASE id WHEN :t0 THEN :a0 … END WHERE id IN (:t0, …) for
    `count` claims: one statement per count, built once and compiled once."""
    tickets = [bindparam(f"t{i}", type_=Integer) for i in range(count)]
    assignees = [bindparam(f"a{i}", type_=Integer) for i in range(count)]
    now = bindparam("now")
    return (update(_TICKETS)
            .where(_TICKETS.c.id.in_(tickets),
                   _TICKETS.c.status.in_(TRANSITIONS["claim"][0]),
                   _TICKETS.c.assignee_id.is_(None))
            .values(status=TRANSITIONS["claim"][1],
                    assignee_id=case(dict(zip(tickets, assignees, strict=True)),
                                     value=_TICKETS.c.id),
                    claimed_at=now, updated_at=now,
                    first_response_at=func.coalesce(_TICKETS.c.first_response_at, now))
            .returning(_TICKETS.c.id, *(_TICKETS.c[name] for name in sla_store.SLA_COLUMNS)))


def start(session: Session, ticket: Ticket, person: PersonView, origin: Origin,
          now: datetime) -> None:
    check_may_work(person, ticket)
    apply(session, ticket, "start", origin, now)
    ticket.pending_reason = None


def pend(session: Session, ticket: Ticket, person: PersonView, reason: str, origin: Origin,
         now: datetime) -> None:
    """Pend the ticket with a reason; its resolution clock stops (see the SLA engine)."""
    check_may_work(person, ticket)
    reason = " ".join(reason.split())[:200]
    if not reason:
        raise WorkRefused("请说明挂起原因。")
    apply(session, ticket, "pend", origin, now, note=reason)
    ticket.pending_reason = reason


def resume(session: Session, ticket: Ticket, person: PersonView | None, origin: Origin,
           now: datetime) -> None:
    if person is not None:
        check_may_work(person, ticket)
    apply(session, ticket, "resume", origin, now)
    ticket.pending_reason = None


def resolve(session: Session, ticket: Ticket, person: PersonView, resolution: str,
            effort_minutes: int, origin: Origin, now: datetime) -> None:
    """Mark resolved with what was done and how long it took."""
    check_may_work(person, ticket)
    resolution = resolution.strip()
    if not resolution:
        raise WorkRefused("请填写解决方案。")
    if len(resolution) > MAX_RESOLUTION_CHARS:
        raise WorkRefused(f"解决方案过长，请控制在 {MAX_RESOLUTION_CHARS} 字以内。")
    if not 0 < effort_minutes <= MAX_EFFORT_MINUTES:
        raise WorkRefused("工作量应为 1 到 10080 之间的分钟数。")
    apply(session, ticket, "resolve", origin, now, note=resolution, effort=effort_minutes)
    ticket.resolution, ticket.effort_minutes = resolution, effort_minutes
    ticket.resolved_at, ticket.pending_reason = now, None


def reassign_to_person(session: Session, ticket: Ticket, person: PersonView, target_id: int,
                       origin: Origin, now: datetime) -> Person:
    """Hand the ticket to another technician of its team."""
    check_may_work(person, ticket)
    target = session.get(Person, target_id)
    codes = {m.team.code for m in target.memberships} if target else set()
    if target is None or not target.active or ticket.team.code not in codes:
        raise WorkRefused("转派对象不存在或不在该支持组。")
    if target.id == ticket.assignee_id:
        raise WorkRefused("该工单已经由此人处理。")
    apply(session, ticket, "assign", origin, now, note=f"转派给 {target.name}",
          to_person=target.id)
    ticket.assignee_id, ticket.claimed_at = target.id, ticket.claimed_at or now
    session.flush()
    session.refresh(ticket)
    return target


def reassign_to_team(session: Session, ticket: Ticket, person: PersonView, team_code: str,
                     origin: Origin, now: datetime) -> Team:
    """Move the ticket to another team's queue, unclaimed."""
    check_may_work(person, ticket)
    team = session.scalar(select(Team).where(Team.code == team_code, Team.active))
    if team is None:
        raise WorkRefused("目标支持组不存在。")
    if team.id == ticket.team_id:
        raise WorkRefused("工单已在该支持组。")
    apply(session, ticket, "return_to_queue", origin, now, note=f"转派至 {team.name}",
          to_team=team.code)
    ticket.team_id, ticket.assignee_id, ticket.pending_reason = team.id, None, None
    session.flush()
    session.refresh(ticket)
    return team


def parse_effort(text: str) -> int:
    """Minutes from '30', '30分钟', '1.5h', '2小时'; WorkRefused if unreadable."""
    cleaned = text.strip().lower().replace(" ", "")
    factor = 1
    for suffix, value in (("分钟", 1), ("min", 1), ("m", 1), ("小时", 60), ("h", 60)):
        if cleaned.endswith(suffix):
            cleaned, factor = cleaned[: -len(suffix)], value
            break
    try:
        minutes = round(float(cleaned) * factor)
    except ValueError:
        raise WorkRefused("请输入工作量（分钟），例如：30 或 1.5小时。") from None
    if not 0 < minutes <= MAX_EFFORT_MINUTES:
        raise WorkRefused("工作量应为 1 到 10080 之间的分钟数。")
    return minutes
