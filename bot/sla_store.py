"""Keep every ticket's stored SLA clocks in step with its event log.

`install(sessions, policy)` (done once by `open_desk`) hooks the session factory: whenever a
flush adds SLA-relevant ticket events (a status change, a claim, a priority change, an SLA
alert …), the ticket's row is locked, its stored clocks are re-read and the new events are
applied with `bot.sla.step` — so pend/resume/reopen/priority changes move the due times in the
same transaction, whichever module recorded the event, and two transactions cannot interleave
their updates of one ticket. A ticket without stored clocks (created before this existed) is
replayed from its whole log. `differences` compares what is stored with a fresh replay.

A ticket loaded in the session has its clocks written onto the entity. A ticket that is not
(a claim changes its row with one UPDATE and never loads it) has them read and written with
two small statements — or none to read, when the caller hands over the clocks it just read
under the lock (`mark_locked(…, clocks=…)`).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import bindparam, event, inspect, select, update
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from bot import sla
from bot.models import Ticket, TicketEvent
from bot.priority import SlaPolicy

logger = logging.getLogger(__name__)

LOCKED_KEY = "sla_locked_tickets"
CLOCKS_KEY = "sla_clocks"  # ticket id -> its SLA columns, read under the lock this transaction
SLA_COLUMNS = (
    "priority", "response_due_at", "resolution_due_at",
    "response_used_minutes", "response_since", "response_alerted_percent", "response_stopped_at",
    "resolution_used_minutes", "resolution_since", "resolution_alerted_percent",
    "resolution_stopped_at", "sla_paused_at", "sla_paused_minutes", "next_sla_check_at",
)


def install(sessions: sessionmaker[Session], policy: SlaPolicy) -> None:
    """Apply new ticket events to the tickets' SLA clocks at every flush of these sessions."""

    def before_flush(session: Session, _context: Any, _instances: Any) -> None:
        apply_new_events(session, policy)

    event.listen(sessions, "before_flush", before_flush)
    event.listen(sessions, "after_transaction_end", _forget_locks)


def relevant(ticket_event: TicketEvent) -> bool:
    """Whether an event can change a ticket's SLA state."""
    return (ticket_event.kind in (sla.CREATED_EVENT, sla.ALERT_EVENT, sla.PRIORITY_EVENT)
            or ticket_event.kind in sla.RESPONSE_KINDS
            or (ticket_event.to_status is not None
                and ticket_event.to_status != ticket_event.from_status))


def apply_new_events(session: Session, policy: SlaPolicy) -> None:
    """Bring the tickets of the session's new SLA-relevant events up to date."""
    pending = [obj for obj in session.new if isinstance(obj, TicketEvent)
               and obj.ticket_id is not None and relevant(obj)]
    if not pending:
        return
    by_ticket: dict[int, list[TicketEvent]] = defaultdict(list)
    for ticket_event in sorted(pending, key=lambda e: inspect(e).insert_order):
        by_ticket[ticket_event.ticket_id].append(ticket_event)
    unloaded: dict[int, list[TicketEvent]] = {}
    with session.no_autoflush:
        for ticket_id, new_events in sorted(by_ticket.items()):
            ticket = session.identity_map.get(identity_key(Ticket, ticket_id))
            if ticket is None:
                unloaded[ticket_id] = new_events
                continue
            _lock(session, ticket)
            state = _advanced(session, ticket_id, state_of(ticket), ticket.priority, new_events,
                              policy)
            if state is not None:
                store(ticket, state, policy)
        if unloaded:
            _apply_to_rows(session, unloaded, policy)


def _advanced(session: Session, ticket_id: int, state: sla.SlaState | None, priority: str,
              new_events: list[TicketEvent], policy: SlaPolicy) -> sla.SlaState | None:
    """The state after the new events; never computed: replay the stored log first."""
    if state is None:
        return sla.replay(_stored_events(session, ticket_id) + new_events, policy, priority)
    for ticket_event in new_events:
        state = sla.step(state, ticket_event, policy, priority)
    return state


_CLOCKS = select(*(Ticket.__table__.c[name] for name in SLA_COLUMNS)).where(
    Ticket.__table__.c.id == bindparam("ticket_id"))


def _apply_to_rows(session: Session, by_ticket: Mapping[int, list[TicketEvent]],
                   policy: SlaPolicy) -> None:
    """The same for tickets the session has not loaded: read and write their columns only.

    Tickets whose same columns changed (fifty claims in one transaction) are written by one
    executemany UPDATE.
    """
    writes: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for ticket_id, new_events in by_ticket.items():
        clocks = _clocks(session).get(ticket_id)
        if clocks is None:
            lock(session, [ticket_id])
            row = session.execute(_CLOCKS, {"ticket_id": ticket_id}).mappings().first()
            if row is None:
                continue
            clocks = dict(row)
        state = _advanced(session, ticket_id, state_from(clocks), clocks["priority"],
                          new_events, policy)
        if state is None:
            continue
        changed = {name: value for name, value in _columns(state, policy).items()
                   if clocks[name] != value}
        if changed:
            writes[tuple(sorted(changed))].append({"ticket": ticket_id, **changed})
        _clocks(session)[ticket_id] = {**clocks, **changed}
    table = Ticket.__table__
    for rows in writes.values():  # the SET clause: the columns named in the rows
        session.execute(update(table).where(table.c.id == bindparam("ticket")), rows)


_IDS = bindparam("ticket_ids", expanding=True)
# SQLite has no row locks: a no-op UPDATE takes its write lock.
_LOCK_SQLITE = (update(Ticket).where(Ticket.id.in_(_IDS))
                .values(next_sla_check_at=Ticket.next_sla_check_at)
                .execution_options(synchronize_session=False))
# Row locks, always in id order (no deadlock between two sweeps); the lock an UPDATE takes,
# so inserting rows that refer to the ticket (events, messages) waits not.
_LOCK_ROWS = (select(Ticket.id).where(Ticket.id.in_(_IDS)).order_by(Ticket.id)
              .with_for_update(key_share=True))


def lock(session: Session, ticket_ids: Sequence[int]) -> None:
    """Take the tickets' row locks (and SQLite's write lock) for the rest of the transaction,
    so that no other transaction changes their clocks in between; in id order."""
    ids = sorted(set(ticket_ids) - _locked(session))
    if not ids:
        return
    sqlite = session.get_bind().dialect.name == "sqlite"
    session.execute(_LOCK_SQLITE if sqlite else _LOCK_ROWS, {"ticket_ids": ids})
    _locked(session).update(ids)


def mark_locked(session: Session, ticket_ids: Sequence[int],
                clocks: Mapping[int, Mapping[str, Any]] | None = None) -> None:
    """The caller holds these tickets' write locks and read them after taking the locks;
    `clocks`: the SLA_COLUMNS of those it did not load, as read then (none to read again)."""
    _locked(session).update(ticket_ids)
    for ticket_id, values in (clocks or {}).items():
        _clocks(session)[ticket_id] = dict(values)


def _clocks(session: Session) -> dict[int, dict[str, Any]]:
    return session.info.setdefault(CLOCKS_KEY, {})


def _locked(session: Session) -> set[int]:
    """The tickets this session's current transaction has locked (forgotten at its end)."""
    return session.info.setdefault(LOCKED_KEY, set())


def _forget_locks(session: Session, transaction: Any) -> None:
    if transaction.parent is None:  # the outermost transaction ended: its locks are gone
        session.info.pop(LOCKED_KEY, None)
        session.info.pop(CLOCKS_KEY, None)


def _lock(session: Session, ticket: Ticket) -> None:
    """Lock a ticket we did not lock yet and re-read its clocks (another transaction may
    have moved them since this session loaded it)."""
    if not inspect(ticket).persistent or ticket.id in _locked(session):
        return
    lock(session, [ticket.id])
    row = session.execute(select(*(getattr(Ticket, name) for name in SLA_COLUMNS))
                          .where(Ticket.id == ticket.id)).one()
    for name, value in zip(SLA_COLUMNS, row, strict=True):
        set_committed_value(ticket, name, value)


def _stored_events(session: Session, ticket_id: int) -> list[TicketEvent]:
    return list(session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket_id)
                                .order_by(TicketEvent.id)))


def state_of(ticket: Ticket) -> sla.SlaState | None:
    """The SLA state stored on a ticket (None if it was never computed)."""
    return state_from({name: getattr(ticket, name) for name in SLA_COLUMNS})


def state_from(columns: Mapping[str, Any]) -> sla.SlaState | None:
    """The SLA state in a ticket's SLA_COLUMNS (None if it was never computed)."""
    if columns["response_used_minutes"] is None or columns["resolution_used_minutes"] is None:
        return None
    return sla.SlaState(
        columns["priority"],
        sla.ClockState(columns["response_used_minutes"], columns["response_since"],
                       columns["response_due_at"], columns["response_alerted_percent"] or 0,
                       columns["response_stopped_at"]),
        sla.ClockState(columns["resolution_used_minutes"], columns["resolution_since"],
                       columns["resolution_due_at"], columns["resolution_alerted_percent"] or 0,
                       columns["resolution_stopped_at"]),
        columns["sla_paused_at"], columns["sla_paused_minutes"] or 0.0,
    )


def store(ticket: Ticket, state: sla.SlaState, policy: SlaPolicy) -> None:
    """Write an SLA state, and the next moment the sweep must look at it, onto the ticket."""
    for name, values in _columns(state, policy).items():
        if getattr(ticket, name) != values:
            setattr(ticket, name, values)


def _columns(state: sla.SlaState, policy: SlaPolicy) -> dict[str, Any]:
    response, resolution = state.response, state.resolution
    return {
        "priority": state.priority,
        "response_due_at": response.due, "resolution_due_at": resolution.due,
        "response_used_minutes": response.used, "response_since": response.since,
        "response_alerted_percent": response.alerted, "response_stopped_at": response.stopped_at,
        "resolution_used_minutes": resolution.used, "resolution_since": resolution.since,
        "resolution_alerted_percent": resolution.alerted,
        "resolution_stopped_at": resolution.stopped_at,
        "sla_paused_at": state.paused_at, "sla_paused_minutes": state.paused_minutes,
        "next_sla_check_at": sla.next_check(state, policy),
    }


def replayed(session: Session, ticket: Ticket, policy: SlaPolicy) -> sla.SlaState | None:
    """The ticket's SLA state recomputed from its event log alone."""
    return sla.replay(_stored_events(session, ticket.id), policy, ticket.priority)


def differences(session: Session, ticket: Ticket, policy: SlaPolicy) -> list[str]:
    """Where the stored SLA columns differ from a replay of the event log ([] if they agree)."""
    state = replayed(session, ticket, policy)
    if state is None:
        return ["no created event"]
    expected = _columns(state, policy)
    return [f"{name}: stored {getattr(ticket, name)!r}, replay {value!r}"
            for name, value in expected.items() if getattr(ticket, name) != value]


def repair(session: Session, ticket: Ticket, policy: SlaPolicy) -> bool:
    """Overwrite the stored clocks with a replay; True if anything changed."""
    state = replayed(session, ticket, policy)
    if state is None or not differences(session, ticket, policy):
        return False
    store(ticket, state, policy)
    return True


def check_all(session: Session, policy: SlaPolicy,
              ticket_ids: Sequence[int] | None = None) -> dict[str, list[str]]:
    """Replay every ticket (or the given ones); number -> differences, for those that differ."""
    query = select(Ticket).order_by(Ticket.id)
    if ticket_ids is not None:
        query = query.where(Ticket.id.in_(ticket_ids))
    found = {}
    for ticket in session.scalars(query):
        problems = differences(session, ticket, policy)
        if problems:
            found[ticket.number] = problems
    return found
