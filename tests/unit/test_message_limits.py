"""Every kind of message at its worst case fits Telegram's limits.

Each text is checked by the emulator's own parser (bot.sandbox.compose): the visible length
after entity parsing (≤ 4096, captions ≤ 1024), balanced HTML; each keyboard by its button
check (callback data ≤ 64 bytes, ≤ 100 buttons) — the same refusals as real Telegram.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.orm import object_session

from bot import reporter_actions, work
from bot.desk import Desk
from bot.digest import Digest, Overdue, TeamLine
from bot.duty import Turn
from bot.lifecycle import Origin
from bot.models import Category, DutyOverride, Person, Team, Ticket
from bot.models.tickets import TicketAttachment
from bot.sandbox.compose import MAX_TEXT, formatted, inline_markup
from bot.sandbox.errors import ApiError
from bot.sla_alerts import Fired
from bot.ticket_queries import events_of
from handlers.callbacks import markup
from handlers.renderers import (
    cards,
    duty,
    escalation,
    jobs,
    knowledge_admin,
    knowledge_chat,
    relay,
    report,
    ticket_detail,
)
from handlers.renderers import work as work_texts
from handlers.renderers.limits import fit_answer, fit_html, visible_length
from handlers.renderers.markdown import pages
from tests.support.factories import make_ticket, person

NASTY = "<王&芳>"  # every character of it is escaped or wide
NAME = (NASTY * 20)[:64]  # the longest name the people table holds
LONG = (NASTY + "工单描述 " * 3) * 2000


def sendable(text: str, rows: list | None = None, *, caption: bool = False) -> str:
    """The visible text Telegram would show; fails as Telegram would refuse."""
    plain, _ = formatted(text, "HTML", None, caption=caption)
    if rows:
        inline_markup(markup(rows).to_dict())
    return plain


@pytest.fixture
def worst(desk: Desk) -> Iterator[Ticket]:
    """A ticket with the longest names, description, files, reason, resolution, history."""
    ticket_id = make_ticket(desk, description=LONG[:desk.settings.tickets.max_description_chars])
    reporter, lead = person(desk, 1001), person(desk, 2001)
    with desk.sessions.begin() as session:
        session.execute(update(Person).values(name=NAME, unit=NAME * 2))
        session.execute(update(Category).values(name=NAME))
        session.execute(update(Team).values(name=NAME))
        ticket = session.get(Ticket, ticket_id)
        ticket.reporter_unit = NAME * 2
        now = desk.clock.now()
        for n in range(5):
            ticket.attachments.append(TicketAttachment(kind="photo", file_id=f"f{n}",
                                                       file_name=NAME * 4, added_at=now))
        origin = Origin(lead.id, 2001, "test")
        work.claim(session, ticket_id, lead, origin, now)
        for n in range(80):
            reporter_actions.comment(session, ticket, reporter, f"{n} " + LONG[:1990],
                                     Origin(reporter.id, 1001, "test"), now)
        work.pend(session, ticket, lead, LONG, origin, now)
        ticket.resolution, ticket.rating = LONG[:work.MAX_RESOLUTION_CHARS], 5
    with desk.sessions() as session:
        yield session.get(Ticket, ticket_id)


def test_the_ticket_card_and_its_buttons(worst: Ticket, desk: Desk) -> None:
    for status in ("new", "assigned", "pending"):
        sendable(cards.card_text(worst, desk.timezone), cards.rows_for(worst.id, status))


@pytest.mark.parametrize("for_reporter", [True, False])
def test_the_detail_and_every_older_page(worst: Ticket, desk: Desk, for_reporter: bool) -> None:
    events = events_of(object_session(worst), worst.id)
    page = ticket_detail.detail(worst, events, desk.timezone, for_reporter)
    shown = len(ticket_detail.history_lines(events, desk.timezone, for_reporter))
    seen = 0
    while True:
        plain = sendable(page.text, page.rows)
        seen += sum(line.startswith("· ") for line in plain.splitlines())
        if not page.rows:
            break
        shown_so_far = int(page.rows[0][0][1].split(":")[3])
        page = ticket_detail.older_history(worst, events, desk.timezone, for_reporter,
                                           shown_so_far)
    assert seen == shown


def test_the_reporters_list(worst: Ticket) -> None:
    sendable(ticket_detail.my_tickets([worst] * 10))


def test_the_report_summary_and_a_refused_description(desk: Desk) -> None:
    due = desk.sla.due_times("P1", desk.clock.now())
    data = {"impact": "organization", "urgency": "outage", "description": LONG,
            "files": [{}] * 5}
    sendable(report.summary(NAME, data, "P1", due, desk.timezone), report.summary_rows("t" * 12))
    sendable(report.DESCRIPTION_TOO_LONG.format(length=len(LONG), limit=2000,
                                                head=report.escape(LONG[:1500])))


def test_relayed_messages(worst: Ticket) -> None:
    longest = LONG[:4096]  # one Telegram message is the most anyone can write
    for template in (relay.TO_REPORTER_REPLY, relay.TO_REPORTER_QUESTION):
        sendable(template.format(number=worst.number, name=relay.escape(NAME),
                                 text=relay.quoted(longest)), relay.answer_rows(worst.id))
    sendable(relay.TO_ASSIGNEE_ANSWER.format(number=worst.number, name=relay.escape(NAME),
                                             text=relay.quoted(longest), resumed=relay.RESUMED))


def test_work_messages_and_the_reassign_menu(worst: Ticket) -> None:
    sendable(work_texts.resolved_for_reporter(worst.number, LONG))
    sendable(work_texts.TO_REPORTER_PENDED.format(number=worst.number,
                                                  reason=work_texts.escape(worst.pending_reason)))
    people = [(n, NAME) for n in range(1, 300)]
    teams = [(f"team{n}", NAME) for n in range(60)]
    sendable(work_texts.ASK_REASSIGN.format(number=worst.number),
             work_texts.reassign_rows(worst.id, people, teams, 10**6))
    sendable(escalation.ASK_TAKE.format(number=worst.number),
             escalation.take_rows(worst.id, people, teams, 10**6))


def test_escalations(worst: Ticket, desk: Desk) -> None:
    now = desk.clock.now()
    for level in ("technician", "lead", "supervisor"):
        fired = Fired(worst.id, worst.number, "P1", "resolution", 250, level, now,
                      now + timedelta(hours=1), False, NAME, (), (50, 75, 90, 100), NAME,
                      NAME, LONG)
        sendable(*escalation.alert_message(fired, desk.timezone))
    sendable(*escalation.urged(worst, NAME))
    sendable(escalation.timeline(LONG))


@dataclass
class Hit:
    title: str
    snippet: str


def test_knowledge_answers_and_article_pages() -> None:
    hits = [Hit(NAME * 3, "【" + LONG[:3000] + "】")] * 3
    sendable(knowledge_chat.answers(hits), knowledge_chat.answer_rows([2**31 - 1] * 3))
    sendable(knowledge_chat.nothing_found(LONG))
    body = "\n\n".join(f"## {NAME}\n\n" + LONG[:900] + "\n\n- " + NAME for _ in range(20))
    rendered = pages(body)
    for n, page in enumerate(rendered):
        sendable(knowledge_chat.article_page(NAME * 3, page, n, len(rendered)),
                 knowledge_chat.page_rows(2**31 - 1, n, len(rendered)))


def test_the_last_guard_cuts_visible_text_and_keeps_html_balanced() -> None:
    text = "<b>" + "&lt;" * 5000 + "</b><i>尾</i>"
    assert visible_length(text) == 5001
    fitted = fit_html(text)
    assert len(sendable(fitted)) == MAX_TEXT and fitted.endswith("…</b>")
    assert fit_html("<b>短</b>") == "<b>短</b>"
    assert len(fit_answer("字" * 500)) == 200
    with pytest.raises(ApiError):
        sendable("x" * (MAX_TEXT + 1))


def test_the_morning_digest_with_many_teams(desk: Desk) -> None:
    now = desk.clock.now()
    teams = tuple(TeamLine(NAME, 999, 999, 999, 999) for _ in range(120))
    overdue = tuple(Overdue("2611-9999", NAME, "P1", "resolution", now) for _ in range(10))
    digest = Digest(now.date(), now.date(), teams, overdue, *([99999] * 8))
    plain = sendable(jobs.digest_text(digest, desk.timezone))
    assert "另有" in plain and "以来" in plain and plain.count("2611-9999") == 10


def test_duty_with_many_teams_and_overrides(desk: Desk) -> None:
    now = desk.clock.now()
    who = Person(name=NAME, telegram_id=1)
    turn = Turn("infra", who, now, now + timedelta(hours=8), "override", 1)
    overrides = [DutyOverride(id=2**31 - 1, person=who, starts_at=now,
                              ends_at=now + timedelta(days=1), reason=LONG[:200])] * 10
    teams = [duty.TeamDuty(NAME, True, False, turn, turn, overrides) for _ in range(40)]
    plain = sendable(duty.duty_text(teams, now, desk.timezone, lead=True))
    assert "另有" in plain and "/duty_set" in plain


def test_the_knowledge_preview_and_gap_list(desk: Desk) -> None:
    body = pages("\n\n".join(LONG[:900] for _ in range(20)))[0]
    sendable(knowledge_admin.preview(NAME[:knowledge_admin.MAX_TITLE], body, [NAME[:20]] * 10,
                                     NAME), knowledge_admin.preview_rows())
    gap = Gap(LONG, 99999, 99999, 99999, desk.clock.now())
    sendable(knowledge_admin.gaps([gap] * 20, desk.timezone))


@dataclass
class Gap:
    question: str
    count: int
    no_result: int
    unhelpful: int
    last_asked: object
