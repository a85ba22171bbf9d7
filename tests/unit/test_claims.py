"""Claims: many at once in one transaction (work.claim_all), and across transactions."""

from __future__ import annotations

import asyncio
import threading

from sqlalchemy import func, select

from bot import sla_store, work
from bot.desk import Desk
from bot.lifecycle import Origin, TransitionRefused
from bot.models import Ticket, TicketEvent
from bot.people import view_by_telegram_id, views_by_telegram_id
from tests.support.factories import make_ticket, person

LEAD, TECH, DESKTOP, REPORTER = 2001, 2002, 2003, 1001


def _request(desk: Desk, telegram_id: int, ticket_id: int) -> work.ClaimRequest:
    who = person(desk, telegram_id)
    return work.ClaimRequest(ticket_id, who, Origin(who.id, -1001, "test"))


def _claim_events(desk: Desk, ticket_id: int) -> int:
    with desk.sessions.begin() as session:
        return session.scalar(select(func.count()).where(
            TicketEvent.ticket_id == ticket_id, TicketEvent.kind == "claim"))


def test_the_claims_of_a_moment_are_decided_together_in_arrival_order(desk: Desk) -> None:
    network, other, taken = make_ticket(desk), make_ticket(desk), make_ticket(desk)
    with desk.sessions.begin() as session:
        work.claim(session, taken, person(desk, LEAD), Origin(None), desk.clock.now())
    requests = [
        _request(desk, DESKTOP, network),   # not of the ticket's team: refused, blocks nobody
        _request(desk, TECH, network),      # the first who may: wins
        _request(desk, LEAD, network),      # told who won
        _request(desk, LEAD, other),        # another ticket in the same moment: wins
        _request(desk, TECH, taken),        # claimed before this moment
        _request(desk, TECH, 999_999),      # no such ticket
    ]
    with desk.sessions.begin() as session:
        decided = work.claim_all(session, requests, desk.clock.now())
    refused, won, told, second, before, unknown = decided
    assert isinstance(refused, work.WorkRefused) and "无权操作" in str(refused)
    assert isinstance(won, work.ClaimTarget) and won.ticket_id == network
    assert (won.reporter_name, won.category_name, won.team_code) == ("王芳", "网络系统", "infra")
    assert isinstance(told, work.AlreadyTaken) and str(told) == "该工单已由 陈工 认领。"
    assert (told.status, told.team_code) == ("assigned", "infra")
    assert isinstance(second, work.ClaimTarget) and second.ticket_id == other
    assert isinstance(before, work.AlreadyTaken) and before.holder == "李工"
    assert isinstance(unknown, work.WorkRefused) and "不存在" in str(unknown)
    with desk.sessions.begin() as session:
        for ticket_id, holder in ((network, TECH), (other, LEAD), (taken, LEAD)):
            ticket = session.get(Ticket, ticket_id)
            assert (ticket.status, ticket.assignee.telegram_id) == ("assigned", holder)
            assert ticket.first_response_at is not None
            assert sla_store.differences(session, ticket, desk.sla) == []
    assert [_claim_events(desk, t) for t in (network, other, taken)] == [1, 1, 1]


def test_claims_in_separate_transactions_at_once_have_one_winner(desk: Desk) -> None:
    ticket_id = make_ticket(desk)
    claimers = [person(desk, LEAD), person(desk, TECH)] * 4
    start = threading.Barrier(len(claimers))
    results: list[object] = []

    def press(who) -> None:
        start.wait()
        try:
            with desk.sessions.begin() as session:
                results.append(work.claim(session, ticket_id, who, Origin(who.id),
                                          desk.clock.now()))
        except TransitionRefused as refusal:
            results.append(refusal)

    threads = [threading.Thread(target=press, args=(who,)) for who in claimers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    winners = [r for r in results if isinstance(r, work.ClaimTarget)]
    assert len(results) == len(claimers) and len(winners) == 1
    assert all(isinstance(r, work.AlreadyTaken) and "已由" in str(r)
               for r in results if r not in winners)
    assert _claim_events(desk, ticket_id) == 1


def test_the_update_decides_even_after_the_read_said_claimable(desk: Desk,
                                                               monkeypatch) -> None:
    """Only the conditional UPDATE decides: a ticket taken after the read is refused."""
    ticket_id = make_ticket(desk)
    take, lead = work._take, person(desk, LEAD)

    def taken_meanwhile(session, assignees, now):
        take(session, {ticket_id: lead.id}, now)  # as if the row had changed since the read
        return take(session, assignees, now)

    monkeypatch.setattr(work, "_take", taken_meanwhile)
    with desk.sessions.begin() as session:
        lost, told = work.claim_all(session, [_request(desk, TECH, ticket_id),
                                              _request(desk, TECH, ticket_id)],
                                    desk.clock.now())
    assert isinstance(lost, work.AlreadyTaken) and lost.holder == "李工"
    assert told is lost
    assert _claim_events(desk, ticket_id) == 0  # no claim of this batch was recorded


def test_many_people_are_looked_up_in_one_query(desk: Desk) -> None:
    with desk.sessions.begin() as session:
        many = views_by_telegram_id(session, [LEAD, TECH, REPORTER, 42, LEAD])
        assert set(many) == {LEAD, TECH, REPORTER, 42}
        assert many[42] is None
        for telegram_id in (LEAD, TECH, REPORTER):
            assert many[telegram_id] == view_by_telegram_id(session, telegram_id)
        assert many[LEAD].lead_of == ("infra",) and many[TECH].team_codes == ("infra",)


def _presses_at_once(desk: Desk, ticket_id: int, *telegram_ids: int) -> list[object]:
    """Presses of 「认领」 in the same moment, decided as the handler does (one batch)."""
    from types import SimpleNamespace

    from handlers import claims
    from handlers.common import DESK_KEY

    context = SimpleNamespace(application=SimpleNamespace(bot_data={DESK_KEY: desk}))
    batches = claims.batches_of(context)

    async def together() -> list[object]:
        return await asyncio.gather(*(batches.submit(claims.Press(telegram_id, ticket_id,
                                                                  -1001))
                                      for telegram_id in telegram_ids))

    return asyncio.run(together())


def test_a_claim_that_committed_is_answered_as_won_when_what_follows_fails(
        desk: Desk, monkeypatch) -> None:
    """A failure after the batch's commit (here: the claim memo, once) does not decide the
    presses again: the winner is told of the win, not 「已由 <winner> 认领」."""
    ticket_id = make_ticket(desk)
    memo = desk.claim_memo
    remember, failures = memo.remember_taken, [RuntimeError("injected after the commit")]

    def fails_once(*args: object) -> None:
        if failures:
            raise failures.pop()
        remember(*args)

    monkeypatch.setattr(memo, "remember_taken", fails_once)
    won, lost = _presses_at_once(desk, ticket_id, TECH, LEAD)
    with desk.sessions.begin() as session:
        number = session.get(Ticket, ticket_id).number
    assert (won.number, won.refusal) == (number, None)
    assert lost.refusal == "该工单已由 陈工 认领。"
    assert _claim_events(desk, ticket_id) == 1


def test_a_batch_whose_transaction_failed_is_decided_again_press_by_press(
        desk: Desk, monkeypatch) -> None:
    """Nothing committed: each press is decided alone, and the first one still wins."""
    ticket_id = make_ticket(desk)
    claim_all, calls = work.claim_all, []

    def fails_for_a_batch(session, requests, now):
        calls.append(len(requests))
        if len(requests) > 1:
            raise RuntimeError("injected before the commit")
        return claim_all(session, requests, now)

    monkeypatch.setattr(work, "claim_all", fails_for_a_batch)
    won, lost = _presses_at_once(desk, ticket_id, TECH, LEAD)
    assert calls == [2, 1, 1]
    assert won.refusal is None and lost.refusal == "该工单已由 陈工 认领。"
    assert _claim_events(desk, ticket_id) == 1


def test_a_hook_that_fails_after_the_commit_does_not_decide_the_claims_again(
        desk: Desk) -> None:
    """The database committed, then an after_commit hook raised (the session's commit raised
    with it): the claims stand and are answered, not decided again."""
    from sqlalchemy import event

    ticket_id = make_ticket(desk)
    failures = [RuntimeError("injected in an after_commit hook")]

    def fails_once(_session: object) -> None:
        if failures:
            raise failures.pop()

    event.listen(desk.sessions, "after_commit", fails_once)
    try:
        won, lost = _presses_at_once(desk, ticket_id, TECH, LEAD)
    finally:
        event.remove(desk.sessions, "after_commit", fails_once)
    assert won.refusal is None and won.number
    assert lost.refusal == "该工单已由 陈工 认领。"
    assert _claim_events(desk, ticket_id) == 1
