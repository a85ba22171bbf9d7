"""A technician's work on a ticket: claim, start, pend, resume, resolve, reassign.

A claim is one conditional UPDATE, so exactly one of many simultaneous presses wins.
Permission: the assignee, or a lead of the ticket's team, may act on a claimed ticket;
any technician of the team may claim an unclaimed one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, func, select, update
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
_CLAIM_STATE = (  # built once: constructing a statement costs more than running it
    select(Ticket.status, Ticket.assignee_id, Team.code, Holder.name, Ticket.number,
           Reporter.telegram_id, Reporter.name, Category.name)
    .join(Team, Ticket.team_id == Team.id)
    .join(Category, Ticket.category_id == Category.id)
    .join(Reporter, Reporter.id == Ticket.reporter_id)
    .outerjoin(Holder, Holder.id == Ticket.assignee_id)
    .where(Ticket.id == bindparam("ticket_id")))

_TICKETS = Ticket.__table__
# The claim itself: one conditional UPDATE, which returns the SLA clocks it locked.
_CLAIM = (
    update(_TICKETS)
    .where(_TICKETS.c.id == bindparam("ticket_id"),
           _TICKETS.c.status.in_(TRANSITIONS["claim"][0]), _TICKETS.c.assignee_id.is_(None))
    .values(status=TRANSITIONS["claim"][1], assignee_id=bindparam("assignee_id"),
            claimed_at=bindparam("now"), updated_at=bindparam("now"),
            first_response_at=func.coalesce(_TICKETS.c.first_response_at, bindparam("now")))
    .returning(*(_TICKETS.c[name] for name in sla_store.SLA_COLUMNS)))


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


def check_claimable(session: Session, ticket_id: int, person: PersonView) -> ClaimTarget:
    """Refuse a claim that is already decided — one small read, no write lock.

    Under contention most presses end here; the bot runs it outside a transaction first
    (DatabaseWork.reads) so a refused press costs a single query.
    """
    row = session.execute(_CLAIM_STATE, {"ticket_id": ticket_id}).first()
    if row is None:
        raise WorkRefused("工单不存在。")
    status, assignee_id, team_code, holder, number, reporter_telegram_id, reporter, category = row
    check_may_claim(person, team_code)
    if assignee_id is not None or status not in TRANSITIONS["claim"][0]:
        raise AlreadyTaken(holder, status, team_code)
    return ClaimTarget(ticket_id, number, team_code, reporter_telegram_id, reporter, category)


def check_may_claim(person: PersonView, team_code: str) -> None:
    """Only technicians and leads of the ticket's team claim its tickets."""
    if not person.has_role("technician", "lead") or team_code not in person.team_codes:
        raise WorkRefused("无权操作：只有该支持组的运维工程师可以认领。")


def claim(session: Session, ticket_id: int, person: PersonView, origin: Origin,
          now: datetime, *, target: ClaimTarget | None = None) -> ClaimTarget:
    """Claim an unclaimed ticket; exactly one concurrent claimer wins.

    Under contention the winner should be cheap too: the ticket is not loaded — one UPDATE
    changes it and returns its SLA clocks, the claim event moves them (bot.sla_store) and
    the caller gets what its notices need. `target`: the caller ran check_claimable for this
    person a moment ago — the conditional UPDATE still decides.
    """
    if target is None:
        target = check_claimable(session, ticket_id, person)
    clocks = session.execute(_CLAIM, {"ticket_id": ticket_id, "assignee_id": person.id,
                                      "now": now}).mappings().first()
    if clocks is None:  # lost the race between the check and the UPDATE
        status, _, team_code, holder, *_ = session.execute(
            _CLAIM_STATE, {"ticket_id": ticket_id}).one()
        raise AlreadyTaken(holder, status, team_code)
    loaded = session.identity_map.get(identity_key(Ticket, ticket_id))
    if loaded is not None:  # the caller's copy is out of date now
        session.expire(loaded)
    sla_store.mark_locked(session, [ticket_id], {ticket_id: clocks})
    record_for(session, ticket_id, "claim", origin, now, from_status=NEW,
               to_status=TRANSITIONS["claim"][1])
    return target


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
