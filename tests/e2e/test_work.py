"""Technicians work a ticket from its card; the reporter follows it to the end."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.desk import Desk
from bot.duty import team_by_code
from bot.lifecycle import Origin
from bot.models import Ticket, TicketEvent
from bot.people import find_by_telegram_id
from bot.team_changes import release
from tests.e2e.test_report import walk_to_summary
from tests.support.factories import STAFF_TOML, make_desk, make_settings
from tests.support.sandbox import Chatter, running_bot

REPORTER, TECH, TECH2, LEAD, OTHER_TEAM_TECH = 1001, 2002, 2002, 2001, 2003
INFRA_GROUP = -1001


async def submit_ticket(chat: Chatter, text: str = "机房交换机告警，整层断网") -> tuple[str, dict]:
    """Report a network fault and return (number, the card in the infra group)."""
    summary = await walk_to_summary(chat, REPORTER, text)
    last = chat.last_id(INFRA_GROUP)
    _, done = await chat.press(REPORTER, summary, "确认提交")
    number = done["text"].split("工单号 <b>")[1].split("</b>")[0] if "<b>" in done["text"] \
        else done["text"].split("工单号 ")[1].split("（")[0]
    card = await chat.emulator.wait_for_message(INFRA_GROUP, after_id=last)
    return number.strip(), card


async def latest_card(chat: Chatter, card: dict) -> dict:
    return next(m for m in chat.emulator.messages(INFRA_GROUP)
                if m["message_id"] == card["message_id"])


async def test_claim_pend_resolve_confirm_rate(desk: Desk) -> None:
    async with running_bot(desk) as chat:
        number, card = await submit_ticket(chat)
        last_reporter = chat.last_id(REPORTER)
        answer, _ = await chat.press(LEAD, card, "认领", wait_reply=False)
        assert "认领成功" in answer["text"]
        card = await chat.emulator.wait_for_message(
            INFRA_GROUP, lambda m: "由 李工 认领" in m["text"])
        told = await chat.emulator.wait_for_message(REPORTER, after_id=last_reporter)
        assert "李工 认领" in told["text"]

        answer, menu = await chat.press(LEAD, card, "挂起")
        last_reporter = chat.last_id(REPORTER)
        await chat.press(LEAD, menu, "等待厂商")
        told = await chat.emulator.wait_for_message(REPORTER, after_id=last_reporter)
        assert "已挂起：等待厂商" in told["text"]
        card = await chat.emulator.wait_for_message(INFRA_GROUP,
                                                    lambda m: "挂起原因：等待厂商" in m["text"])

        last_reporter = chat.last_id(REPORTER)
        await chat.press(LEAD, card, "处理中", wait_reply=False)
        card = await chat.emulator.wait_for_message(INFRA_GROUP, lambda m: "🔧" in m["text"])
        told = await chat.emulator.wait_for_message(REPORTER, after_id=last_reporter)
        assert "正在处理中" in told["text"]  # before the resolution, which comes next
        last_private = chat.last_id(LEAD)
        await chat.press(LEAD, card, "已解决", wait_reply=False)
        ask = await chat.emulator.wait_for_message(  # other notices may reach LEAD meanwhile
            LEAD, lambda m: "解决方案" in m["text"], after_id=last_private)
        ask = await chat.say(LEAD, "更换了交换机电源模块，链路恢复")
        assert "工作量" in ask["text"]
        ask = await chat.say(LEAD, "很久")
        assert "分钟" in ask["text"]
        last_reporter = chat.last_id(REPORTER)
        draft_question = await chat.say(LEAD, "45")
        assert "知识库草稿" in draft_question["text"]
        resolved = await chat.emulator.wait_for_message(REPORTER, after_id=last_reporter)
        assert "更换了交换机电源模块" in resolved["text"]

        _, thanks = await chat.press(REPORTER, resolved, "已解决")
        assert "已关闭" in thanks["text"]
        _, rated = await chat.press(REPORTER, thanks, "5")
        assert "⭐⭐⭐⭐⭐" in rated["text"]
        saved = await chat.say(REPORTER, "响应很快，谢谢")
        assert "已收到" in saved["text"]
        _, draft = await chat.press(LEAD, draft_question, "转为知识库草稿")
        assert "知识库草稿" in draft["text"]
    with desk.sessions.begin() as session:
        ticket = session.scalar(select(Ticket).where(Ticket.number == number))
        assert (ticket.status, ticket.rating, ticket.effort_minutes) == ("closed", 5, 45)
        kinds = session.scalars(select(TicketEvent.kind).where(TicketEvent.ticket_id == ticket.id)
                                .order_by(TicketEvent.id)).all()
    assert kinds == ["created", "claim", "pend", "resume", "resolve", "confirm", "rating",
                     "rating"]


async def test_only_one_of_many_claims_wins(desk: Desk) -> None:
    async with running_bot(desk) as chat:
        number, card = await submit_ticket(chat)
        data = card["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        answers = await asyncio.gather(*(
            chat.press_data(user, INFRA_GROUP, card["message_id"], data)
            for user in (LEAD, TECH, LEAD, TECH)))
        winners = [a for a in answers if "认领成功" in a["text"]]
        assert len(winners) == 1
        assert all("已由" in a["text"] for a in answers if a not in winners)


async def test_permission_alerts_on_cards(desk: Desk) -> None:
    async with running_bot(desk) as chat:
        number, card = await submit_ticket(chat)
        data = card["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        answer = await chat.press_data(REPORTER, INFRA_GROUP, card["message_id"], data)
        assert "无权操作" in answer["text"]
        answer = await chat.press_data(OTHER_TEAM_TECH, INFRA_GROUP, card["message_id"], data)
        assert "无权操作" in answer["text"]
        await chat.press_data(LEAD, INFRA_GROUP, card["message_id"], data)
        ticket_id = data.split(":")[2]
        answer = await chat.press_data(TECH, INFRA_GROUP, card["message_id"],
                                       f"tk:start:{ticket_id}")
        assert "仅处理人可操作" in answer["text"]
        answer = await chat.press_data(LEAD, INFRA_GROUP, card["message_id"], "tk:claim:99999")
        assert answer["show_alert"]
        answer = await chat.press_data(LEAD, INFRA_GROUP, card["message_id"], "tk:drop:1")
        assert "失效" in answer["text"]


async def test_repeated_presses_on_a_taken_card_and_a_ticket_back_in_the_queue(
        desk: Desk) -> None:
    """The second round of refusals comes from the claim memo and reads the same; a ticket
    returned to the queue in this process can be claimed at once (the memo forgot it)."""
    async with running_bot(desk) as chat:
        _, card = await submit_ticket(chat)
        data = card["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        answer = await chat.press_data(LEAD, INFRA_GROUP, card["message_id"], data)
        assert "认领成功" in answer["text"]
        for _ in range(2):
            answer = await chat.press_data(TECH, INFRA_GROUP, card["message_id"], data)
            assert "已由 李工 认领" in answer["text"] and answer["show_alert"]
            answer = await chat.press_data(OTHER_TEAM_TECH, INFRA_GROUP, card["message_id"],
                                           data)
            assert "无权操作" in answer["text"]
            answer = await chat.press_data(REPORTER, INFRA_GROUP, card["message_id"], data)
            assert "无权操作" in answer["text"]
        with desk.sessions.begin() as session:
            lead = find_by_telegram_id(session, LEAD)
            release(session, lead, team_by_code(session, "infra"), Origin(lead.id),
                    desk.clock.now(), remove=False)
        answer = await chat.press_data(TECH, INFRA_GROUP, card["message_id"], data)
        assert "认领成功" in answer["text"]


async def test_reassign_to_another_team_moves_the_card(desk: Desk) -> None:
    async with running_bot(desk) as chat:
        number, card = await submit_ticket(chat)
        await chat.press(LEAD, card, "认领", wait_reply=False)
        card = await chat.emulator.wait_for_message(INFRA_GROUP, lambda m: "认领）" in m["text"])
        _, menu = await chat.press(LEAD, card, "转派")
        last = chat.last_id(-1002)
        _, moved = await chat.press(LEAD, menu, "👥 终端运维组")
        assert "终端运维组" in moved["text"]
        new_card = await chat.emulator.wait_for_message(-1002, after_id=last)
        assert number in new_card["text"] and "基础设施运维组 转来" in new_card["text"]
        answer, _ = await chat.press(OTHER_TEAM_TECH, new_card, "认领", wait_reply=False)
        assert "认领成功" in answer["text"]


async def test_reporter_comment_reaches_the_assignee(desk: Desk) -> None:
    async with running_bot(desk) as chat:
        number, card = await submit_ticket(chat)
        await chat.press(LEAD, card, "认领", wait_reply=False)
        await chat.emulator.wait_for_message(REPORTER, lambda m: "已由 李工 认领" in m["text"])
        last = chat.last_id(LEAD)
        saved = await chat.say(REPORTER, f"/note {number} 交换机型号 H3C S5130")
        assert "已为工单" in saved["text"]
        relayed = await chat.emulator.wait_for_message(LEAD, lambda m: "H3C" in m["text"],
                                                       after_id=last)
        assert "H3C S5130" in relayed["text"]
        refused = await chat.say(1002, f"/ticket {number}")
        assert "无权查看" in refused["text"]
        unknown = await chat.say(REPORTER, "/ticket 9912-0001")
        assert "未找到工单" in unknown["text"]
        garbage = await chat.say(REPORTER, "/ticket <b>DROP TABLE</b>")
        assert "未找到工单 <b>DROP TABLE</b>" in garbage["text"]  # shown literally, not bold
        mine = await chat.say(REPORTER, "/my")
        assert number in mine["text"]


EXTRA_TECHS = tuple(range(2101, 2109))  # eight more infra technicians: ten with 2001 and 2002


@pytest.fixture
def crowded_desk(tmp_path: Path, database_url: str) -> Iterator[Desk]:
    extra = "".join(f"""
[[people]]
telegram_id = {tid}
name = "工程师{tid}"
unit = "信息中心"
roles = ["technician"]
teams = ["infra"]
""" for tid in EXTRA_TECHS)
    desk = make_desk(make_settings(tmp_path, database_url, people=STAFF_TOML + extra))
    yield desk
    desk.close()


async def test_ten_technicians_press_claim_in_the_same_second(crowded_desk: Desk) -> None:
    technicians = (LEAD, TECH, *EXTRA_TECHS)
    async with running_bot(crowded_desk) as chat:
        number, card = await submit_ticket(chat)
        data = card["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        answers = await asyncio.gather(*(
            chat.press_data(user, INFRA_GROUP, card["message_id"], data)
            for user in technicians))
        winners = [a for a in answers if "认领成功" in a["text"]]
        assert len(winners) == 1
        losers = [a for a in answers if a not in winners]
        assert len(losers) == 9 and all(a["show_alert"] and "已由" in a["text"] for a in losers)
        card = await chat.emulator.wait_for_message(
            INFRA_GROUP, lambda m: m["message_id"] == card["message_id"] and "认领）" in m["text"])
        assert "处理中" in str(card["reply_markup"])
    with crowded_desk.sessions.begin() as session:
        ticket = session.scalar(select(Ticket).where(Ticket.number == number))
        claims = session.scalar(select(func.count()).where(
            TicketEvent.ticket_id == ticket.id, TicketEvent.kind == "claim"))
        assert ticket.assignee.telegram_id in technicians and claims == 1
