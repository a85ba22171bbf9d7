"""Hostile and odd presses get an answer, never a traceback; a long history fits."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from bot import reporter_actions
from bot.desk import Desk
from bot.lifecycle import Origin
from bot.models import Conversation, Ticket, TicketEvent
from handlers.renderers.common import BUSY, MESSAGE_LIMIT
from tests.e2e.test_report import walk_to_summary
from tests.e2e.test_work import INFRA_GROUP, LEAD, OTHER_TEAM_TECH, REPORTER, submit_ticket
from tests.support.factories import make_ticket, person
from tests.support.sandbox import button_data, running_bot

KM, SUPERVISOR = 4001, 3001


def errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


def long_history(desk: Desk, comments: int) -> tuple[str, int]:
    """A ticket with `comments` long comments (full of characters HTML escapes)."""
    ticket_id = make_ticket(desk, description="<交换机> & 路由器 " * 200)
    reporter = person(desk, REPORTER)
    with desk.sessions.begin() as session:
        ticket = session.get(Ticket, ticket_id)
        for n in range(comments):
            reporter_actions.comment(session, ticket, reporter, f"第{n}条 " + "<&>" * 300,
                                     Origin(reporter.id, REPORTER, "test"), desk.clock.now())
        return ticket.number, comments + 1  # and "created"


async def test_a_long_history_fits_and_the_rest_is_behind_more(desk: Desk) -> None:
    number, count = long_history(desk, 60)
    async with running_bot(desk) as chat:
        page = await chat.say(REPORTER, f"/ticket {number}")
        assert page["text"] != BUSY and f"工单 {number}" in page["text"]
        seen = [line for line in page["text"].splitlines() if line.startswith("· ")]
        while "更多" in page["text"]:
            assert len(page["text"]) <= MESSAGE_LIMIT
            _, page = await chat.press(REPORTER, page, "更多")
            seen = [line for line in page["text"].splitlines() if line.startswith("· ")] + seen
        assert len(page["text"]) <= MESSAGE_LIMIT
    assert len(seen) == count
    assert "提交报修" in seen[0] and "第59条" in seen[-1]
    assert all(f"第{n}条" in seen[n + 1] for n in range(60))  # oldest first, none twice


async def test_more_is_only_for_people_who_may_see_the_ticket(desk: Desk) -> None:
    number, _ = long_history(desk, 30)
    async with running_bot(desk) as chat:
        page = await chat.say(REPORTER, f"/ticket {number}")
        data = button_data(page, "更多")
        answer = await chat.press_data(1002, 1002, (await chat.say(1002, "/my"))["message_id"],
                                       data)
        assert "无权查看" in answer["text"]
        staff = await chat.say(LEAD, f"/ticket {number}")  # staff see the same, with notes
        assert len(staff["text"]) <= MESSAGE_LIMIT and "更多" in staff["text"]


async def test_another_teams_technician_cannot_strip_a_card(desk: Desk) -> None:
    async with running_bot(desk) as chat:
        number, card = await submit_ticket(chat)
        ticket_id = button_data(card, "认领").split(":")[2]
        for data in (f"tk:kbno:{ticket_id}", f"tk:kbyes:{ticket_id}"):
            answer = await chat.press_data(OTHER_TEAM_TECH, INFRA_GROUP, card["message_id"],
                                           data)
            assert "无权操作" in answer["text"] and answer["show_alert"]
        card = next(m for m in chat.emulator.messages(INFRA_GROUP)
                    if m["message_id"] == card["message_id"])
        assert button_data(card, "认领")  # the card keeps its buttons


async def test_an_old_summary_cannot_cancel_or_edit_a_newer_draft(desk: Desk) -> None:
    async with running_bot(desk) as chat:
        old = await walk_to_summary(chat, REPORTER, "打印机卡纸")
        _, old_menu = await chat.press(REPORTER, old, "修改")
        assert "要修改哪一项" in old_menu["text"]
        _, cancelled = await chat.press(REPORTER, old, "取消")
        assert "已取消" in cancelled["text"]
        new = await walk_to_summary(chat, REPORTER, "三楼断网")
        for message, label in ((old, "取消"), (old, "修改"), (old_menu, "描述")):
            answer, _ = await chat.press(REPORTER, message, label, wait_reply=False)
            assert "已过期" in answer["text"], label
        _, menu = await chat.press(REPORTER, new, "修改")  # the newest draft's menu works
        _, asked = await chat.press(REPORTER, menu, "描述")
        assert "描述问题" in asked["text"]
        await chat.say(REPORTER, "三楼整层断网")
        with desk.sessions.begin() as session:
            draft = session.scalar(select(Conversation).where(Conversation.user_id == REPORTER))
            assert (draft.step, draft.data["description"]) == ("summary", "三楼整层断网")


async def test_unknown_buttons_are_answered(desk: Desk) -> None:
    async with running_bot(desk) as chat:
        hello = await chat.say(REPORTER, "/help")
        for data in ("zz:what:1", "x", "tk", "rp", ":::"):
            answer = await chat.press_data(REPORTER, REPORTER, hello["message_id"], data)
            assert answer is not None and "该按钮已失效" in answer["text"], data


HUGE = ("99999999999999999999", "9223372036854775808", "18446744073709551616", "2147483648",
        "inf", "1e309", "NaN", "-1", "0")


async def test_huge_and_odd_ids_are_refused_with_a_message(
        desk: Desk, caplog: pytest.LogCaptureFixture) -> None:
    async with running_bot(desk) as chat:
        number, card = await submit_ticket(chat)
        ticket_id = button_data(card, "认领").split(":")[2]
        await chat.press(LEAD, card, "认领", wait_reply=False)
        hello = {who: await chat.say(who, "/help") for who in (REPORTER, LEAD, KM, SUPERVISOR)}
        presses = [(who, template.format(n=n)) for n in HUGE for who, template in (
            (LEAD, "tk:claim:{n}"), (LEAD, "tk:start:{n}"), (LEAD, "tk:info:{n}"),
            (LEAD, f"tk:to:{ticket_id}:{{n}}"), (LEAD, "tk:pendr:{n}:vendor"),
            (REPORTER, "tr:ok:{n}"), (REPORTER, f"tr:rate:{ticket_id}:{{n}}"),
            (REPORTER, "rl:ans:{n}"), (REPORTER, "kb:view:{n}:0"), (REPORTER, "kb:up:{n}"),
            (REPORTER, "kb:view:1:{n}"), (REPORTER, "th:more:{n}:1"),
            (REPORTER, f"th:more:{ticket_id}:{{n}}"), (KM, "km:ok:{n}"),
            (SUPERVISOR, "esc:mine:{n}"), (SUPERVISOR, "esc:view:{n}"))]
        for who, data in presses:
            answer = await chat.press_data(who, who, hello[who]["message_id"], data)
            assert answer is not None, data
            assert answer["text"] and answer["text"] != BUSY, (data, answer)
    assert errors(caplog) == []
    with desk.sessions.begin() as session:
        ticket = session.scalar(select(Ticket).where(Ticket.number == number))
        kinds = session.scalars(select(TicketEvent.kind).where(
            TicketEvent.ticket_id == ticket.id)).all()
    assert (ticket.status, sorted(kinds)) == ("assigned", ["claim", "created"])

