"""The group card follows every change of its ticket; old buttons refuse to act (issue 17)."""

from __future__ import annotations

from sqlalchemy import select

from bot.desk import Desk
from bot.duty import team_by_code
from bot.lifecycle import STATUS_LABELS, Origin
from bot.models import Notification, Ticket
from bot.people import find_by_telegram_id
from bot.team_changes import release
from handlers.card_sync import REFRESHER_KEY
from tests.e2e.test_escalation import bj, fast_forward
from tests.e2e.test_work import INFRA_GROUP, LEAD, REPORTER, TECH, submit_ticket
from tests.support.sandbox import Chatter, running_bot


def labels(message: dict) -> set[str]:
    markup = message.get("reply_markup") or {"inline_keyboard": []}
    return {b["text"] for row in markup["inline_keyboard"] for b in row}


async def card_showing(chat: Chatter, card: dict, status: str) -> dict:
    """Wait until the card (same message) shows `status`; return it."""
    return await chat.emulator.wait_for_message(
        INFRA_GROUP, lambda m: m["message_id"] == card["message_id"]
        and f"状态：{STATUS_LABELS[status]}" in m["text"])


async def resolve(chat: Chatter, card: dict) -> dict:
    """The assignee resolves from the card; return the reporter's resolution notice."""
    await chat.press(LEAD, card, "已解决", wait_reply=False)
    await chat.emulator.wait_for_message(LEAD, lambda m: "解决方案" in m["text"])
    await chat.say(LEAD, "更换了交换机电源模块，链路恢复")
    last_reporter = chat.last_id(REPORTER)
    await chat.say(LEAD, "30")
    return await chat.emulator.wait_for_message(REPORTER, lambda m: "未解决" in labels(m),
                                                after_id=last_reporter)


async def test_the_card_follows_every_transition(desk: Desk) -> None:
    async with running_bot(desk) as chat:
        _, card = await submit_ticket(chat)
        await chat.press(LEAD, card, "认领", wait_reply=False)
        card = await card_showing(chat, card, "assigned")
        _, menu = await chat.press(LEAD, card, "挂起")
        await chat.press(LEAD, menu, "等待厂商")
        card = await card_showing(chat, card, "pending")
        await chat.press(LEAD, card, "处理中", wait_reply=False)
        card = await card_showing(chat, card, "in_progress")
        resolved = await resolve(chat, card)
        card = await card_showing(chat, card, "resolved")
        assert labels(card) == {"详情"}

        await chat.press(REPORTER, resolved, "未解决")
        last_lead = chat.last_id(LEAD)
        await chat.say(REPORTER, "还是断网，三楼整层不通")
        card = await card_showing(chat, card, "in_progress")
        assert {"挂起", "已解决", "转派"} <= labels(card)
        told = await chat.emulator.wait_for_message(LEAD, lambda m: "重新打开" in m["text"],
                                                    after_id=last_lead)
        assert {"挂起", "已解决"} <= labels(told)  # the assignee can act from the notice

        resolved = await resolve(chat, card)
        card = await card_showing(chat, card, "resolved")
        await chat.press(REPORTER, resolved, "已解决")
        card = await card_showing(chat, card, "closed")
        assert labels(card) == {"详情"}


async def test_the_card_shows_a_cancelled_ticket(desk: Desk) -> None:
    async with running_bot(desk) as chat:
        number, card = await submit_ticket(chat)
        await chat.send(REPORTER, f"/ticket {number}")
        detail = await chat.emulator.wait_for_message(REPORTER, lambda m: "撤销工单" in labels(m))
        await chat.press(REPORTER, detail, "撤销工单")
        card = await card_showing(chat, card, "cancelled")
        assert labels(card) == {"详情"}


def ticket_status(desk: Desk, number: str) -> str:
    with desk.sessions.begin() as session:
        return session.scalar(select(Ticket.status).where(Ticket.number == number))


async def test_an_old_pend_reason_prompt_refuses_after_resuming(desk: Desk) -> None:
    async with running_bot(desk) as chat:
        number, card = await submit_ticket(chat)
        await chat.press(LEAD, card, "认领", wait_reply=False)
        card = await card_showing(chat, card, "assigned")
        _, menu = await chat.press(LEAD, card, "挂起")
        await chat.press(LEAD, menu, "等待厂商")
        card = await card_showing(chat, card, "pending")
        await chat.press(LEAD, card, "处理中", wait_reply=False)
        await card_showing(chat, card, "in_progress")
        answer, _ = await chat.press(LEAD, menu, "等待备件", wait_reply=False)
        assert "该按钮已失效" in answer["text"] and answer["show_alert"]
        answer, _ = await chat.press(LEAD, menu, "其他原因（输入）", wait_reply=False)
        assert "该按钮已失效" in answer["text"]
        assert ticket_status(desk, number) == "in_progress"
        with desk.sessions.begin() as session:  # stored before the press was answered
            pended = session.scalars(select(Notification.text).where(
                Notification.text.contains("已挂起"))).all()
        assert len(pended) == 1


async def test_an_old_reassign_list_refuses_after_the_ticket_moved_on(desk: Desk) -> None:
    async with running_bot(desk) as chat:
        number, card = await submit_ticket(chat)
        await chat.press(LEAD, card, "认领", wait_reply=False)
        card = await card_showing(chat, card, "assigned")
        _, moves = await chat.press(LEAD, card, "转派")
        _, menu = await chat.press(LEAD, card, "挂起")
        await chat.press(LEAD, menu, "等待厂商")
        await card_showing(chat, card, "pending")
        person = next(label for label in labels(moves) if label.startswith("👤"))
        answer, _ = await chat.press(LEAD, moves, person, wait_reply=False)
        assert "该按钮已失效" in answer["text"]
        assert ticket_status(desk, number) == "pending"


async def test_an_old_queue_claim_button_refuses_once_the_ticket_moved_on(desk: Desk) -> None:
    async with running_bot(desk) as chat:
        number, card = await submit_ticket(chat)
        queue = await chat.say(TECH, "/queue")
        await chat.press(LEAD, card, "认领", wait_reply=False)
        await card_showing(chat, card, "assigned")
        with desk.sessions.begin() as session:  # the lead leaves: back to the queue
            lead = find_by_telegram_id(session, LEAD)
            release(session, lead, team_by_code(session, "infra"), Origin(lead.id),
                    desk.clock.now(), remove=False)
        answer, _ = await chat.press(TECH, queue, f"认领 {number}", wait_reply=False)
        assert "该按钮已失效" in answer["text"]
        assert ticket_status(desk, number) == "new"
        fresh = await chat.say(TECH, "/queue")
        answer, _ = await chat.press(TECH, fresh, f"认领 {number}", wait_reply=False)
        assert "认领成功" in answer["text"]


async def test_the_new_assignee_gets_the_full_card_and_the_reporter_is_told(desk: Desk) -> None:
    async with running_bot(desk) as chat:
        number, card = await submit_ticket(chat, "机房交换机告警，三楼整层断网")
        await chat.press(LEAD, card, "认领", wait_reply=False)
        card = await card_showing(chat, card, "assigned")
        _, moves = await chat.press(LEAD, card, "转派")
        last_tech, last_reporter = chat.last_id(TECH), chat.last_id(REPORTER)
        await chat.press(LEAD, moves, "👤 陈工")
        mine = await chat.emulator.wait_for_message(TECH, lambda m: number in m["text"],
                                                    after_id=last_tech)
        assert "李工 将工单" in mine["text"] and "转派给您处理" in mine["text"]
        assert "三楼整层断网" in mine["text"] and "解决时限：" in mine["text"]
        assert {"处理中", "挂起", "已解决", "详情"} <= labels(mine)
        told = await chat.emulator.wait_for_message(REPORTER, lambda m: "现由" in m["text"],
                                                    after_id=last_reporter)
        assert f"您的工单 {number} 现由 陈工 处理" in told["text"]

        answer, _ = await chat.press(TECH, mine, "处理中", wait_reply=False)
        assert not answer.get("show_alert")
        await card_showing(chat, card, "in_progress")
        await chat.emulator.wait_for_message(  # the private card follows the ticket too
            TECH, lambda m: m["message_id"] == mine["message_id"] and "状态：处理中" in m["text"])


async def test_an_unclaimed_card_shows_soon_overdue_and_escalated(desk: Desk) -> None:
    async with running_bot(desk) as chat:
        number, card = await submit_ticket(chat)  # P2, Monday 10:00: respond by 10:30
        assert "超时" not in card["text"] and "升级" not in card["text"]

        def shown(*words: str):
            return lambda m: m["message_id"] == card["message_id"] and all(
                w in m["text"] for w in words)

        await fast_forward(desk, chat, bj(23, 10, 25))  # 83 % of the response target
        await chat.emulator.wait_for_message(INFRA_GROUP, shown(
            "⚠️ 即将超时", "时限：⚠️ 即将超时（响应时限 11月23日 周一 10:30）", "待认领"))
        await fast_forward(desk, chat, bj(23, 10, 31))
        late = await chat.emulator.wait_for_message(INFRA_GROUP, shown(
            "⏰ 已超时 · 🚨 已升级至组长", "（响应时限 11月23日 周一 10:30）"))
        assert "即将超时" not in late["text"] and "认领" in labels(late)
        await fast_forward(desk, chat, bj(23, 10, 46))
        await chat.emulator.wait_for_message(INFRA_GROUP, shown("已升级至主管", "⏰ 已超时"))

        await chat.press(LEAD, card, "认领", wait_reply=False)  # the resolution clock now
        claimed = await card_showing(chat, card, "assigned")
        assert "超时" not in claimed["text"] and "升级" not in claimed["text"]


async def test_a_change_made_outside_the_bot_refreshes_the_card(desk: Desk) -> None:
    """`govdesk duty leave` (another process) returns a ticket to the queue: the card follows."""
    async with running_bot(desk) as chat:
        _, card = await submit_ticket(chat)
        await chat.press(LEAD, card, "认领", wait_reply=False)
        await card_showing(chat, card, "assigned")
        with desk.sessions.begin() as session:  # as the command line does it
            lead = find_by_telegram_id(session, LEAD)
            release(session, lead, team_by_code(session, "infra"), Origin(lead.id),
                    desk.clock.now(), remove=False)
        await chat.application.bot_data[REFRESHER_KEY].catch_up()  # what it does every 30 s
        card = await card_showing(chat, card, "new")
        assert "认领" in labels(card)
