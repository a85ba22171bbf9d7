"""Property: whatever anyone presses or types, every press is answered, nothing logs an
ERROR, and no ticket changes through someone without the right to change it.

Arbitrary callback data (the real prefixes and actions with mutated arguments, and plain
garbage) and arbitrary texts and commands, from people of every role, through the real bot
and the Bot API emulator. Derandomized, so CI sees the same examples every run.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot import work
from bot.desk import Desk
from bot.models import Person, Ticket, TicketEvent
from handlers import escalation, knowledge_review, report, work_buttons
from tests.support.factories import make_ticket
from tests.support.sandbox import Chatter, running_bot

REPORTER, OTHER_REPORTER, TECH, LEAD, OTHER_TEAM_TECH = 1001, 1002, 2002, 2001, 2003
SUPERVISOR, KM, ADMIN, STRANGER = 3001, 4001, 5001, 9001
INFRA_GROUP = -1001
# Hypothesis favours the first entries: people with rights, and actions that change tickets
PEOPLE = (LEAD, OTHER_TEAM_TECH, REPORTER, TECH, OTHER_REPORTER, SUPERVISOR, KM, STRANGER)
CHANGING = ["claim", "start", "pendr", "to", "team"]
ACTIONS = {
    "tk": CHANGING + sorted(set(work_buttons.ACTIONS) - set(CHANGING)),
    "tr": ["cancel", "ok", "reopen", "rate"],
    "rl": ["ans"], "rp": sorted(report.BUTTONS) + ["new"], "kb": ["view", "up", "down"],
    "km": sorted(knowledge_review.BUTTONS), "esc": sorted(escalation.ACTIONS), "th": ["more"],
}
ODD = ("99999999999999999999", "9223372036854775808", "2147483648", "inf", "1e309", "NaN",
       "-1", "0", "00001", "")
WORDS = ("vendor", "user", "infra", "desktop", "app", "network", "personal", "outage",
         "category", "description", "none", "title")
COMMANDS = ("/ticket", "/note", "/report", "/cancel", "/my", "/queue", "/mine", "/team",
            "/duty", "/duty_set", "/duty_cancel", "/kb", "/kb_review", "/kb_retire",
            "/kb_gaps", "/kb_new", "/kb_edit", "/start", "/help", "/nosuch")
ANSWER_WAIT, REPLY_WAIT = 8.0, 8.0


def _argument(ticket_ids: list[str]) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(ticket_ids + ["1", "2", "3", "5"]), st.sampled_from(ODD),
                     st.sampled_from(WORDS), st.from_regex(r"[A-Za-z0-9_.\-]{1,12}",
                                                           fullmatch=True))


def genuine(ticket_ids: list[str]) -> list[str]:
    """Callback data as the bot itself makes it, for the tickets of the test."""
    extra = {"pendr": list(work.PENDING_REASONS), "to": ["3", "4", "5", "6"],
             "team": ["infra", "desktop", "app"], "rate": ["1", "5"], "more": ["0", "1"]}
    return [":".join([prefix, action, ticket, *([more] if more else [])])
            for prefix, actions in ACTIONS.items() if prefix != "rp"
            for ticket in ticket_ids for action in actions
            for more in extra.get(action, [""])]


def callback_data(ticket_ids: list[str]) -> st.SearchStrategy[str]:
    """Mostly genuine data (so that presses by the right people do change tickets), then
    genuine data with one part replaced by something odd, then the report's buttons with
    odd arguments, then anything at all."""
    real = st.sampled_from(genuine(ticket_ids))
    mutated = st.tuples(real, st.integers(0, 3), _argument(ticket_ids)).map(
        lambda t: ":".join(t[0].split(":")[:t[1]] + [t[2]] + t[0].split(":")[t[1] + 1:]))
    report_buttons = st.tuples(st.sampled_from(ACTIONS["rp"]),
                               st.lists(_argument(ticket_ids), max_size=2)).map(
        lambda t: ":".join(["rp", t[0], *t[1]]))
    garbage = st.text(min_size=1, max_size=40)
    return st.one_of(real, real, real, mutated, report_buttons, garbage).filter(
        lambda d: 0 < len(d.encode()) <= 64)


def typed_text(ticket_numbers: list[str]) -> st.SearchStrategy[str]:
    words = st.one_of(st.sampled_from(ticket_numbers + list(ODD) + list(WORDS)),
                      st.text(max_size=30))
    command = st.tuples(st.sampled_from(COMMANDS), st.lists(words, max_size=3)).map(
        lambda t: " ".join([t[0], *t[1]]))
    return st.one_of(command, st.text(min_size=1, max_size=200)).filter(
        lambda text: text.strip() != "")


@dataclass(frozen=True)
class Press:
    who: int
    data: str
    in_group: bool = False  # on a bot message in the infra group, else in the private chat


@dataclass(frozen=True)
class Say:
    who: int
    text: str


class ErrorRecords(logging.Handler):
    """Every ERROR (or worse) logged anywhere while the bot runs."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@dataclass
class World:
    chat: Chatter
    desk: Desk
    tickets: list[Ticket]
    pressable: dict[int, int]  # chat -> a bot message in it to press on
    errors: ErrorRecords
    checked_event_id: int  # the events up to this one are checked


@pytest.fixture
async def world(desk: Desk) -> AsyncIterator[World]:
    ids = [make_ticket(desk, reporter=REPORTER), make_ticket(desk, reporter=REPORTER),
           make_ticket(desk, reporter=OTHER_REPORTER, category="desktop")]
    with desk.sessions.begin() as session:
        tickets = [session.get(Ticket, ticket_id) for ticket_id in ids]
        session.expunge_all()
        checked_event_id = max(session.scalars(select(TicketEvent.id)))
    errors = ErrorRecords()
    logging.getLogger().addHandler(errors)
    try:
        async with running_bot(desk) as chat:
            chat.emulator.add_user(STRANGER, "路人")
            pressable = {who: (await chat.say(who, "/help"))["message_id"] for who in PEOPLE}
            pressable[INFRA_GROUP] = (await chat.say(LEAD, "/my", INFRA_GROUP))["message_id"]
            yield World(chat, desk, tickets, pressable, errors, checked_event_id)
    finally:
        logging.getLogger().removeHandler(errors)


def actions(world_tickets: list[str], numbers: list[str]) -> st.SearchStrategy[list]:
    who = st.sampled_from(PEOPLE)
    press = st.builds(Press, who, callback_data(world_tickets), st.booleans())
    say = st.builds(Say, who, typed_text(numbers))
    return st.lists(st.one_of(press, press, say), min_size=1, max_size=3)


# The strategies need the tickets' ids and numbers: the fixture makes them the same every
# run (a fresh database: ids 1-3, numbers 2611-0001..0003 on the frozen desk clock).
TICKET_IDS = ["1", "2", "3"]
TICKET_NUMBERS = ["2611-0001", "2611-0002", "2611-0003"]


@settings(max_examples=120, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
@given(steps=actions(TICKET_IDS, TICKET_NUMBERS))
async def test_anything_anyone_sends_is_answered_safely(world: World, steps: list) -> None:
    chat = world.chat
    assert [str(t.id) for t in world.tickets] == TICKET_IDS
    assert [t.number for t in world.tickets] == TICKET_NUMBERS
    world.errors.records.clear()  # each example on its own (a failure is shown, then shrunk)
    for step in steps:
        teams = team_codes(world)  # a move to another team is judged by the team before it
        if isinstance(step, Press):
            where = INFRA_GROUP if step.in_group else step.who
            query = await chat.emulator.press_button(step.who, where, world.pressable[where],
                                                     step.data, strict=False)
            answer = await chat.emulator.wait_for_answer(query, ANSWER_WAIT)
            assert answer is not None, f"press {step.data!r} by {step.who} not answered"
        else:
            last = chat.last_id(step.who)
            await chat.emulator.send_text(step.who, step.who, step.text)
            await chat.emulator.wait_for_message(step.who, timeout=REPLY_WAIT, after_id=last)
        assert [r.getMessage() for r in world.errors.records] == [], step
        assert unauthorised_events(world, teams) == [], step


def team_codes(world: World) -> dict[int, str]:
    with world.desk.sessions.begin() as session:
        return {ticket.id: ticket.team.code for ticket in session.scalars(select(Ticket))}


def unauthorised_events(world: World, teams: dict[int, str]) -> list[str]:
    """New ticket events by a person without the right to change that ticket."""
    bad = []
    with world.desk.sessions.begin() as session:
        events = session.scalars(select(TicketEvent).where(
            TicketEvent.id > world.checked_event_id).order_by(TicketEvent.id)).all()
        for event in events:
            world.checked_event_id = event.id
            actor = session.get(Person, event.actor_id) if event.actor_id else None
            ticket = session.get(Ticket, event.ticket_id)
            if actor is not None and not _may_change(actor, ticket,
                                                     teams.get(ticket.id, ticket.team.code)):
                bad.append(f"{event.kind} on {ticket.number} by {actor.telegram_id}")
    return bad


def _may_change(actor: Person, ticket: Ticket, team_code: str) -> bool:
    """The reporter, the team's technicians and leads, supervisors and admins."""
    if actor.id == ticket.reporter_id or actor.has_role("supervisor", "admin"):
        return True
    teams = {membership.team.code for membership in actor.memberships}
    return actor.has_role("technician", "lead") and team_code in teams
