"""The whole escalation chain through the emulator, moved by the desk clock as the sandbox's
「快进」 does: reminders to the group and the assignee, the breach to the lead with 「督办」
「改派」, 150 % to the supervisor with 「督办」「接管/指派」「查看」 — and who may press what."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
from sqlalchemy import select

from bot import sla_store
from bot.clock import AdjustableClock
from bot.desk import Desk
from bot.models import Ticket, TicketEvent
from bot.sandbox.demo import desk_tick, sandbox
from tests.e2e.test_work import submit_ticket
from tests.support.factories import DESK_START
from tests.support.sandbox import Chatter, polling, running_bot

BJ = ZoneInfo("Asia/Shanghai")
REPORTER, LEAD, TECH, SUPERVISOR, INFRA_GROUP = 1001, 2001, 2002, 3001, -1001


def bj(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=BJ)


async def fast_forward(desk: Desk, chat: Chatter, to: datetime) -> None:
    """What the sandbox's clock control does: move the clock, run what became due."""
    desk.clock.advance(to - desk.clock.now())
    await desk_tick(chat.application)


async def next_in(chat: Chatter, chat_id: int, last: int, words: str) -> dict:
    return await chat.emulator.wait_for_message(chat_id, lambda m: words in m["text"],
                                                after_id=last)


async def test_reminders_and_escalations_reach_each_level_with_their_buttons(desk: Desk) -> None:
    async with running_bot(desk) as chat:
        number, _ = await submit_ticket(chat)  # P2, Monday 10:00
        last = chat.last_id(INFRA_GROUP)
        await fast_forward(desk, chat, bj(23, 10, 15))
        reminder = await next_in(chat, INFRA_GROUP, last, "尚无人认领")
        assert number in reminder["text"] and "响应时限已用 50%" in reminder["text"]
        answer, _ = await chat.press(TECH, reminder, "认领", wait_reply=False)
        assert "认领成功" in answer["text"]

        last = chat.last_id(TECH)
        await fast_forward(desk, chat, bj(23, 15, 30))
        mine = await next_in(chat, TECH, last, "解决时限已用 50%")
        assert number in mine["text"]

        last_lead = chat.last_id(LEAD)
        await fast_forward(desk, chat, bj(24, 11, 0))
        breach = await next_in(chat, LEAD, last_lead, "一级升级")
        assert "已超时" in breach["text"] and "陈工" in breach["text"]
        buttons = breach["reply_markup"]["inline_keyboard"][0]
        assert [b["text"] for b in buttons] == ["督办", "改派"]

        last_tech = chat.last_id(TECH)
        answer, _ = await chat.press(LEAD, breach, "督办", wait_reply=False)
        assert "已督办" in answer["text"] and "陈工" in answer["text"]
        urged = await next_in(chat, TECH, last_tech, "督办")
        assert "李工 督办工单" in urged["text"]

        forged = await chat.press_data(TECH, TECH, urged["message_id"],
                                       breach["reply_markup"]["inline_keyboard"][0][0]
                                       ["callback_data"])
        assert "无权操作" in forged["text"]  # a technician cannot urge

        last_sup = chat.last_id(SUPERVISOR)
        await fast_forward(desk, chat, bj(24, 17, 30))
        level2 = await next_in(chat, SUPERVISOR, last_sup, "二级升级")
        labels = [b["text"] for b in level2["reply_markup"]["inline_keyboard"][0]]
        assert labels == ["督办", "接管/指派", "查看"]
        take = level2["reply_markup"]["inline_keyboard"][0][1]["callback_data"]
        refused = await chat.press_data(LEAD, LEAD, breach["message_id"], take)
        assert "无权操作" in refused["text"]  # level 2 is for supervisors only

        _, timeline = await chat.press(SUPERVISOR, level2, "查看")
        assert "时间线" in timeline["text"] and "一级升级（组长）" in timeline["text"]
        assert "督办" in timeline["text"]
        _, menu = await chat.press(SUPERVISOR, level2, "接管/指派")
        last_reporter = chat.last_id(REPORTER)
        _, taken = await chat.press(SUPERVISOR, menu, "🙋 我来接管")
        assert f"您已接管工单 {number}" in taken["text"]
        told = await next_in(chat, REPORTER, last_reporter, "接管")
        assert "周主任" in told["text"]
        again, _ = await chat.press(SUPERVISOR, menu, "🙋 我来接管", wait_reply=False)
        assert "该按钮已失效" in again["text"]  # the list was shown for the state before
        person = next(b["text"] for row in menu["reply_markup"]["inline_keyboard"]
                      for b in row if b["text"].startswith("👤"))
        again, _ = await chat.press(SUPERVISOR, menu, person, wait_reply=False)
        assert "该按钮已失效" in again["text"]

        await fast_forward(desk, chat, bj(25, 9, 0))  # nothing repeats
        alerts = [m for m in chat.bot_messages(SUPERVISOR) if m["text"].startswith("🚨🚨")]
        assert len(alerts) == 1
    with desk.sessions.begin() as session:
        ticket = session.scalar(select(Ticket).where(Ticket.number == number))
        kinds = session.scalars(select(TicketEvent.kind).where(
            TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id)).all()
    assert kinds == ["created", "sla", "claim", "sla", "sla", "sla", "urge", "sla", "assign"]
    with desk.sessions.begin() as session:
        assert sla_store.check_all(session, desk.sla) == {}  # stored == replayed from the log


async def test_the_lead_reassigns_from_the_breach_message(desk: Desk) -> None:
    async with running_bot(desk) as chat:
        number, card = await submit_ticket(chat)
        await chat.press(TECH, card, "认领", wait_reply=False)
        await chat.emulator.wait_for_message(INFRA_GROUP, lambda m: "陈工 认领" in m["text"])
        last = chat.last_id(LEAD)
        await fast_forward(desk, chat, bj(24, 11, 0))
        breach = await next_in(chat, LEAD, last, "一级升级")
        _, menu = await chat.press(LEAD, breach, "改派")
        assert "转派给" in menu["text"]
        _, moved = await chat.press(LEAD, menu, "👤 李工")
        assert f"工单 {number} 已转派给 李工" in moved["text"]
    with desk.sessions.begin() as session:
        ticket = session.scalar(select(Ticket).where(Ticket.number == number))
        assert ticket.assignee.telegram_id == LEAD


async def test_the_demo_clock_control_brings_the_escalations(tmp_path: Path) -> None:
    """「快进 2 小时」 on the web chat page: the same sweep, the same chats."""
    clock = AdjustableClock(DESK_START, frozen=True)
    async with sandbox(tmp_path / "demo", clock=clock) as running, \
            polling(running.application):
        demo = Chatter(running.emulator, running.application)
        infra_group = next(t.chat_id for t in running.desk.settings.teams if t.code == "infra")
        number, _ = await submit_ticket_in(demo, infra_group)
        async with aiohttp.ClientSession() as http:
            async with http.post(f"{running.webchat.url}api/clock/advance",
                                 json={"minutes": 120}) as response:
                assert response.status == 200
        group = await demo.emulator.wait_for_message(
            infra_group, lambda m: "SLA 提醒" in m["text"] and number in m["text"])
        assert "响应时限已超时" in group["text"] and "已用" not in group["text"]
        lead = await demo.emulator.wait_for_message(2101, lambda m: "一级升级" in m["text"])
        supervisor = await demo.emulator.wait_for_message(3001, lambda m: "二级升级" in m["text"])
        assert number in lead["text"] and number in supervisor["text"]


async def submit_ticket_in(chat: Chatter, group: int) -> tuple[str, dict]:
    """Report a P2 network fault as the demo's first reporter."""
    from tests.e2e.test_report import walk_to_summary

    summary = await walk_to_summary(chat, 1101, "机房交换机告警，整层断网")
    last = chat.last_id(group)
    _, done = await chat.press(1101, summary, "确认提交")
    number = done["text"].split("工单号 ")[1].split("（")[0].replace("<b>", "").replace("</b>", "")
    card = await chat.emulator.wait_for_message(group, after_id=last)
    return number.strip(), card
