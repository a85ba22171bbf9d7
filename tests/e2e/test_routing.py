"""The technicians' side end to end: routing with the duty roster, the relay, the queues,
the roster in chat, people leaving a team, and bad input on cards."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.desk import Desk
from bot.lifecycle import Origin, version
from bot.models import Ticket, TicketEvent
from bot.people import find_by_telegram_id
from bot.team_changes import leave_team
from handlers.notify import announce_departure
from tests.support.factories import STAFF_TOML, make_desk, make_settings
from tests.support.sandbox import Chatter, running_bot

REPORTER, OTHER_REPORTER = 1001, 1002
LEAD, ON_DUTY, DESKTOP_TECH = 2001, 2002, 2003  # 李工 (lead), 陈工 (on duty Mon 23 Nov)
APP_LEAD, APP_TECH = 2004, 2005
INFRA_GROUP, DESKTOP_GROUP = -1001, -1002

ROUTING_TOML = STAFF_TOML.replace("leads = [2001]\n", """leads = [2001]

[teams.duty]
rotation = [2002, 2001]
anchor = 2026-11-23
""", 1).replace('code = "app"\nname = "应用运维组"\nleads = []\n', """code = "app"
name = "应用运维组"
leads = [2004]

[teams.duty]
rotation = [2005]
""", 1) + """
[[people]]
telegram_id = 2004
name = "孙组长"
unit = "信息中心"
roles = ["technician"]
teams = ["app"]

[[people]]
telegram_id = 2005
name = "钱工"
unit = "信息中心"
roles = ["technician"]
teams = ["app"]
"""


@pytest.fixture
def desk(tmp_path: Path, database_url: str) -> Iterator[Desk]:
    desk = make_desk(make_settings(tmp_path, database_url, people=ROUTING_TOML))
    yield desk
    desk.close()


def has(text: str):
    return lambda message: text in (message.get("text") or "")


async def report(chat: Chatter, category: str, text: str, user: int = REPORTER) -> str:
    """Report a fault in `category` through the conversation; return the ticket number."""
    step = await ask(chat, user, "/report")
    _, step = await chat.press(user, step, category)
    step = await chat.say(user, text)
    _, step = await chat.press(user, step, "部门")
    _, step = await chat.press(user, step, "业务中断")
    if "知识库文章" in step["text"]:
        _, step = await chat.press(user, step, "仍需报修")
    _, done = await chat.press(user, step, "确认提交")
    return done["text"].split("工单号 ")[1].split("（")[0].strip()


async def ask(chat: Chatter, user: int, text: str, chat_id: int | None = None,
              reply_to: int | None = None) -> dict:
    """Send text and return the bot's next new message (not an edit of an older card)."""
    where = chat_id if chat_id is not None else user
    last = chat.last_id(where)
    await chat.emulator.send_text(user, where, text, reply_to_message_id=reply_to)
    return await chat.emulator.wait_for_message(where, after_id=last + 1)


def ticket_of(desk: Desk, number: str) -> Ticket:
    with desk.sessions.begin() as session:
        return session.scalar(select(Ticket).where(Ticket.number == number))


def kinds(desk: Desk, number: str) -> list[str]:
    with desk.sessions.begin() as session:
        ticket = session.scalar(select(Ticket).where(Ticket.number == number))
        return list(session.scalars(select(TicketEvent.kind).where(
            TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id)))


def texts_in(chat: Chatter, chat_id: int) -> str:
    return "\n".join(m.get("text") or "" for m in chat.emulator.messages(chat_id))


async def claimed_card(chat: Chatter, number: str, user: int = ON_DUTY) -> dict:
    """Claim the ticket's card in the infra group; return the refreshed card."""
    card = await chat.emulator.wait_for_message(INFRA_GROUP, has(number))
    answer, _ = await chat.press(user, card, "认领", wait_reply=False)
    assert "认领成功" in answer["text"]
    return await chat.emulator.wait_for_message(INFRA_GROUP, lambda m: number in m["text"]
                                                and "认领）" in m["text"])


async def test_cards_go_to_the_group_and_the_on_duty_technician(desk: Desk) -> None:
    async with running_bot(desk) as chat:
        number = await report(chat, "网络系统", "核心交换机告警")
        await chat.emulator.wait_for_message(INFRA_GROUP, has(number))
        private = await chat.emulator.wait_for_message(ON_DUTY, has(number))
        assert "认领" in str(private["reply_markup"])
        assert number not in texts_in(chat, LEAD)  # not on duty today
        answer, _ = await chat.press(ON_DUTY, private, "认领", wait_reply=False)
        assert "认领成功" in answer["text"]
        await chat.emulator.wait_for_message(INFRA_GROUP, has("由 陈工 认领"))
        await chat.emulator.wait_for_message(ON_DUTY, lambda m: m["message_id"] == private[
            "message_id"] and "由 陈工 认领" in m["text"])


async def test_a_team_without_a_group_reaches_on_duty_and_leads_in_private(desk: Desk) -> None:
    async with running_bot(desk) as chat:
        number = await report(chat, "业务应用", "OA 系统登录报 500")
        for person in (APP_TECH, APP_LEAD):
            card = await chat.emulator.wait_for_message(person, has(number))
            assert "认领" in str(card["reply_markup"])
        answer, _ = await chat.press(APP_LEAD, card, "认领", wait_reply=False)
        assert "认领成功" in answer["text"]


async def test_relay_both_ways_and_internal_notes_stay_internal(desk: Desk) -> None:
    async with running_bot(desk) as chat:
        number = await report(chat, "网络系统", "三楼整层断网")
        await claimed_card(chat, number)
        hint = await chat.emulator.wait_for_message(ON_DUTY, has("您已认领工单 " + number))
        last = chat.last_id(REPORTER)
        sent = await ask(chat, ON_DUTY, "请问是哪台交换机？<b>急</b>", reply_to=hint["message_id"])
        assert "已发送给报修人" in sent["text"]
        relayed = await chat.emulator.wait_for_message(REPORTER, has("处理人回复"), after_id=last)
        assert "请问是哪台交换机？<b>急</b>" in relayed["text"]  # shown literally
        assert ticket_of(desk, number).first_response_at is not None

        last = chat.last_id(ON_DUTY)
        answered = await ask(chat, REPORTER, "三楼弱电间那台", reply_to=relayed["message_id"])
        assert "已转给处理人" in answered["text"]
        back = await chat.emulator.wait_for_message(ON_DUTY, has("三楼弱电间那台"), after_id=last)
        assert "报修人 王芳 回复" in back["text"]

        saved = await ask(chat, ON_DUTY, "内部：厂商工程师明天到场", reply_to=back["message_id"])
        assert "内部备注" in saved["text"]
        group_note = await ask(chat, LEAD, f"/note {number} 组内讨论：先换光模块", INFRA_GROUP)
        assert "已为工单" in group_note["text"]
        card = await chat.emulator.wait_for_message(INFRA_GROUP, has(number))
        noted = await ask(chat, LEAD, "内部 备件已申领", INFRA_GROUP, reply_to=card["message_id"])
        assert "内部备注" in noted["text"]
        noted = await ask(chat, LEAD, "/note 机房门禁卡在值班室", INFRA_GROUP,
                          reply_to=card["message_id"])
        assert f"已为工单 {number}" in noted["text"]
        await chat.send(LEAD, "大家辛苦了", INFRA_GROUP)  # group chatter is left alone

        detail = await ask(chat, REPORTER, f"/ticket {number}")
        reporter_view = texts_in(chat, REPORTER)
        for secret in ("厂商工程师", "先换光模块", "备件已申领", "门禁卡"):
            assert secret not in reporter_view
        assert "处理人回复" in detail["text"]
        staff_detail = await ask(chat, LEAD, f"/ticket {number}")
        assert "厂商工程师" in staff_detail["text"] and "备件已申领" in staff_detail["text"]
    assert kinds(desk, number).count("note") == 4
    assert "reply" in kinds(desk, number) and "comment" in kinds(desk, number)


async def test_asking_the_reporter_pends_until_they_answer(desk: Desk) -> None:
    async with running_bot(desk) as chat:
        number = await report(chat, "网络系统", "无线网络时断时续")
        card = await claimed_card(chat, number)
        last = chat.last_id(ON_DUTY)
        await chat.press(ON_DUTY, card, "询问报修人", wait_reply=False)
        prompt = await chat.emulator.wait_for_message(ON_DUTY, has("要问报修人"), after_id=last)
        assert number in prompt["text"]
        done = await ask(chat, ON_DUTY, "请提供电脑的 IP 地址")
        assert "等待用户" in done["text"]
        question = await chat.emulator.wait_for_message(REPORTER, has("处理人提问"))
        assert ticket_of(desk, number).pending_reason == "等待用户"
        await chat.emulator.wait_for_message(INFRA_GROUP, has("挂起原因：等待用户"))

        _, prompt = await chat.press(REPORTER, question, "回复处理人")
        assert "答复" in prompt["text"]
        last = chat.last_id(ON_DUTY)
        sent = await ask(chat, REPORTER, "10.1.2.3")
        assert "已转给处理人" in sent["text"]
        told = await chat.emulator.wait_for_message(ON_DUTY, has("10.1.2.3"), after_id=last)
        assert "已恢复为处理中" in told["text"]
        assert ticket_of(desk, number).status == "in_progress"

        # a second question, answered by replying to it
        card = await chat.emulator.wait_for_message(INFRA_GROUP, has("🔧"))
        await chat.press(ON_DUTY, card, "询问报修人", wait_reply=False)
        await chat.emulator.wait_for_message(ON_DUTY, has("要问报修人"), after_id=last)
        await ask(chat, ON_DUTY, "重启路由器后还断吗？")
        second = await chat.emulator.wait_for_message(REPORTER, has("重启路由器"))
        await ask(chat, REPORTER, "还会断", reply_to=second["message_id"])
    ticket = ticket_of(desk, number)
    assert (ticket.status, ticket.pending_reason) == ("in_progress", None)
    assert kinds(desk, number).count("resume") == 2


async def test_queue_mine_and_team(desk: Desk) -> None:
    async with running_bot(desk) as chat:
        first = await report(chat, "网络系统", "机房 UPS 告警")
        second = await report(chat, "主机系统", "邮件服务器宕机", OTHER_REPORTER)
        await report(chat, "终端与办公设备", "打印机卡纸")
        queue = await ask(chat, ON_DUTY, "/queue")
        assert first in queue["text"] and second in queue["text"]
        assert "打印机" not in queue["text"]  # another team's ticket
        assert queue["text"].index(first) < queue["text"].index(second)  # earlier due first
        answer, _ = await chat.press(ON_DUTY, queue, f"认领 {second}", wait_reply=False)
        assert "认领成功" in answer["text"]
        await chat.emulator.wait_for_message(ON_DUTY, has("您已认领工单 " + second))
        mine = await ask(chat, ON_DUTY, "/mine")
        assert second in mine["text"] and first not in mine["text"]
        queue = await ask(chat, ON_DUTY, "/queue")
        assert second not in queue["text"] and first in queue["text"]
        team = await ask(chat, LEAD, "/team")
        assert "待认领" in team["text"] and "陈工" in team["text"]
        assert team["text"].index(first) < team["text"].index("陈工") < \
            team["text"].index(second)
        refused = await ask(chat, ON_DUTY, "/team")
        assert "无权操作" in refused["text"]
        refused = await ask(chat, LEAD, "/team app")
        assert "无权操作" in refused["text"]
        refused = await ask(chat, REPORTER, "/queue")
        assert "无权操作" in refused["text"]
        empty = await ask(chat, APP_TECH, "/mine")
        assert "没有未完成的工单" in empty["text"]
        overview = await ask(chat, 3001, "/team desktop")
        assert "打印机卡纸" in overview["text"]
        unknown = await ask(chat, 3001, "/team <b>")
        assert "没有代码为 <b>" in unknown["text"]


async def test_duty_in_chat_with_an_override(desk: Desk) -> None:
    async with running_bot(desk) as chat:
        staff_help = await ask(chat, LEAD, "/help")
        assert "/queue" in staff_help["text"] and "/duty_set" in staff_help["text"]
        tech_help = await ask(chat, ON_DUTY, "/help")
        assert "/mine" in tech_help["text"] and "/duty_set" not in tech_help["text"]
        reporter_help = await ask(chat, REPORTER, "/help")
        assert "/queue" not in reporter_help["text"] and "/duty" not in reporter_help["text"]
        duty = await ask(chat, ON_DUTY, "/duty")
        assert "现在：陈工（值班" in duty["text"] and "下一班：李工" in duty["text"]
        assert "未配置值班表" in duty["text"]  # desktop
        refused = await ask(chat, REPORTER, "/duty")
        assert "无权操作" in refused["text"]
        refused = await ask(chat, ON_DUTY, "/duty_set infra 李工 现在 18:00")
        assert "无权操作" in refused["text"]
        usage = await ask(chat, LEAD, "/duty_set")
        assert "用法" in usage["text"]
        for bad, needle in (("/duty_set nosuch 李工 现在 18:00", "没有代码为 nosuch"),
                            ("/duty_set infra 刘工 现在 18:00", "没有 “刘工”"),
                            ("/duty_set infra 李工 明天 晚上 18:00", "缺少时刻"),
                            ("/duty_set infra 李工 现在 25:00", "不是有效的时间")):
            answer = await ask(chat, LEAD, bad)
            assert needle in answer["text"], (bad, answer["text"])
        last = chat.last_id(ON_DUTY)
        done = await ask(chat, LEAD, "/duty_set infra 陈工 12:00 18:00 李工开会")
        assert "临时顶班 #1" in done["text"]
        told = await chat.emulator.wait_for_message(ON_DUTY, has("安排您"), after_id=last)
        assert "李工开会" in told["text"]
        done = await ask(chat, LEAD, "/duty_set infra 李工 现在 12:00 陈工外出")
        assert "临时顶班 #2" in done["text"]
        duty = await ask(chat, ON_DUTY, "/duty")
        assert "现在：李工（临时顶班" in duty["text"] and "#2 李工" in duty["text"]
        number = await report(chat, "网络系统", "视频会议系统无声音")
        await chat.emulator.wait_for_message(LEAD, has(number))
        assert number not in texts_in(chat, ON_DUTY)
        cancelled = await ask(chat, LEAD, "/duty_cancel 2")
        assert "已取消临时顶班 #2" in cancelled["text"]
        again = await ask(chat, LEAD, "/duty_cancel 2")
        assert "没有编号为 2" in again["text"]
        duty = await ask(chat, ON_DUTY, "/duty")
        assert "现在：陈工" in duty["text"]


async def test_leaving_the_team_returns_tickets_and_tells_the_lead(desk: Desk) -> None:
    async with running_bot(desk) as chat:
        number = await report(chat, "网络系统", "防火墙策略需要调整")
        await claimed_card(chat, number)
        last_group, last_lead = chat.last_id(INFRA_GROUP), chat.last_id(LEAD)
        with desk.sessions.begin() as session:  # what `govdesk people leave 2002 infra` does
            person = find_by_telegram_id(session, ON_DUTY)
            departure = leave_team(session, person, "infra", Origin(None, source="cli"),
                                   desk.clock.now())
            announce_departure(session, desk, departure)
        told = await chat.emulator.wait_for_message(LEAD, has("已离开"), after_id=last_lead,
                                                    timeout=8)
        assert "陈工" in told["text"] and number in told["text"]
        card = await chat.emulator.wait_for_message(INFRA_GROUP, has("已离组"),
                                                    after_id=last_group, timeout=8)
        assert ticket_of(desk, number).assignee_id is None
        answer, _ = await chat.press(LEAD, card, "认领", wait_reply=False)
        assert "认领成功" in answer["text"]
        mine = await ask(chat, ON_DUTY, "/mine")
        assert number not in mine["text"]


async def test_bad_presses_on_cards(desk: Desk) -> None:
    async with running_bot(desk) as chat:
        number = await report(chat, "网络系统", "存储阵列告警")
        other = await report(chat, "终端与办公设备", "显示器不亮")
        other_id = ticket_of(desk, other).id
        card = await claimed_card(chat, number, user=LEAD)
        ticket_id = ticket_of(desk, number).id
        message_id = card["message_id"]

        async def press(user: int, data: str) -> str:
            answer = await chat.press_data(user, INFRA_GROUP, message_id, data)
            assert answer is not None and answer["show_alert"], (data, answer)
            return answer["text"]

        assert "已由 李工 认领" in await press(ON_DUTY, f"tk:claim:{ticket_id}")  # a stale card
        assert "仅处理人可操作" in await press(ON_DUTY, f"tk:start:{ticket_id}")
        assert "仅处理人可操作" in await press(ON_DUTY, f"tk:resolve:{ticket_id}")
        assert "无权操作" in await press(DESKTOP_TECH, f"tk:start:{ticket_id}")
        assert "无权操作" in await press(REPORTER, f"tk:resolve:{ticket_id}")
        assert "无权操作" in await press(LEAD, f"tk:claim:{other_id}")  # forged: other team
        assert "无权操作" in await press(LEAD, f"tk:resolve:{other_id}")
        assert "失效" in await press(LEAD, "tk:claim:abc")
        assert "失效" in await press(LEAD, "tk:start:99999")
        with desk.sessions.begin() as session:
            outsider = find_by_telegram_id(session, DESKTOP_TECH).id
            shown = version(session, ticket_id)  # lists carry the version they were shown for
        assert "不存在" in await press(LEAD, f"tk:team:{ticket_id}:nosuch:{shown}")
        assert "不在该支持组" in await press(LEAD, f"tk:to:{ticket_id}:99999:{shown}")
        assert "不在该支持组" in await press(LEAD, f"tk:to:{ticket_id}:{outsider}:{shown}")
        assert "失效" in await press(LEAD, f"tk:to:{ticket_id}:x:{shown}")
        assert "失效" in await press(LEAD, f"tk:to:{ticket_id}:{outsider}:{shown + 1}")
        assert "失效" in await press(LEAD, f"tk:team:{ticket_id}:desktop")  # no version

        # the card was deleted: the next change posts a new one
        chat.emulator.state.find(INFRA_GROUP, message_id).deleted = True
        last = chat.last_id(INFRA_GROUP)
        answer = await chat.press_data(LEAD, LEAD, chat.last_id(LEAD),
                                       f"tk:pendr:{ticket_id}:vendor:{shown}")
        assert not answer["show_alert"]
        fresh = await chat.emulator.wait_for_message(INFRA_GROUP, has("挂起原因：等待厂商"),
                                                     after_id=last)
        assert number in fresh["text"]

        # moved to another team: the infra card's buttons no longer work for infra
        fresh_id = fresh["message_id"]
        await chat.press_data(LEAD, INFRA_GROUP, fresh_id,
                              f"tk:team:{ticket_id}:desktop:{shown + 1}")  # pended since
        await chat.emulator.wait_for_message(DESKTOP_GROUP, has("基础设施运维组 转来"))
        answer = await chat.press_data(ON_DUTY, INFRA_GROUP, fresh_id, f"tk:start:{ticket_id}")
        assert "无权操作" in answer["text"]
        answer = await chat.press_data(ON_DUTY, INFRA_GROUP, fresh_id, f"tk:claim:{ticket_id}")
        assert "无权操作" in answer["text"]
        refreshed = await chat.emulator.wait_for_message(
            INFRA_GROUP, lambda m: m["message_id"] == fresh_id and "待认领" in m["text"])
        assert "认领" in str(refreshed["reply_markup"])

        # resolved: a press on an old card gets an alert, not a change
        desktop_card = await chat.emulator.wait_for_message(DESKTOP_GROUP, has(number))
        await chat.press(DESKTOP_TECH, desktop_card, "认领", wait_reply=False)
        with desk.sessions.begin() as session:
            ticket = session.get(Ticket, ticket_id)
            ticket.status = "resolved"
        answer = await chat.press_data(DESKTOP_TECH, DESKTOP_GROUP, desktop_card["message_id"],
                                       f"tk:start:{ticket_id}")
        assert answer["show_alert"] and "已解决" in answer["text"]
