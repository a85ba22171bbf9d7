"""Attachments (issue 17): technicians and leads see the reporter's photos and files."""

from __future__ import annotations

from sqlalchemy import select

from bot.desk import Desk
from bot.models import Ticket, TicketEvent
from tests.e2e.test_work import INFRA_GROUP, REPORTER, submit_ticket
from tests.support.sandbox import Chatter, running_bot

TECH, OTHER_TEAM_TECH = 2001, 2003


async def report_with_files(chat: Chatter) -> dict:
    """Report a fault with a photo and a document; return the card in the infra group."""
    step = await chat.say(REPORTER, "/report")
    _, step = await chat.press(REPORTER, step, "网络系统")
    version = chat.emulator.chat_version(REPORTER)
    await chat.emulator.send_photo(REPORTER, REPORTER, b"\x89PNG fake", caption=None)
    await chat.emulator.wait_for_message(
        REPORTER, lambda m: "已收到附件（1/5）" in m.get("text", ""), since_version=version)
    await chat.emulator.send_document(REPORTER, REPORTER, b"%PDF fake", filename="拓扑图.pdf")
    await chat.emulator.wait_for_message(
        REPORTER, lambda m: "已收到附件（2/5）" in m.get("text", ""), since_version=version)
    step = await chat.say(REPORTER, "机房交换机告警，整层断网")
    _, step = await chat.press(REPORTER, step, "部门")
    _, step = await chat.press(REPORTER, step, "业务中断")
    if "知识库文章" in step["text"]:
        _, step = await chat.press(REPORTER, step, "仍需报修")
    last = chat.last_id(INFRA_GROUP)
    await chat.press(REPORTER, step, "确认提交")
    return await chat.emulator.wait_for_message(INFRA_GROUP, after_id=last)


async def test_a_technician_gets_the_photo_and_the_file_from_the_card(desk: Desk) -> None:
    async with running_bot(desk) as chat:
        await chat.say(TECH, "/start")
        card = await report_with_files(chat)
        assert "附件：2 个" in card["text"]
        last = chat.last_id(TECH)
        answer, _ = await chat.press(TECH, card, "📎 查看附件", chat_id=INFRA_GROUP,
                                     wait_reply=False)
        assert "已把 2 个附件发到您的私聊" in answer["text"]
        photo = await chat.emulator.wait_for_message(TECH, lambda m: "photo" in m, after_id=last)
        document = await chat.emulator.wait_for_message(
            TECH, lambda m: "document" in m, after_id=last)
        assert "附件 1/2：照片" in photo["caption"]
        assert "附件 2/2：文件「拓扑图.pdf」" in document["caption"]
        assert photo["message_id"] < document["message_id"]

        answer = await chat.press_data(OTHER_TEAM_TECH, INFRA_GROUP, card["message_id"],
                                       card["reply_markup"]["inline_keyboard"][-1][0]
                                       ["callback_data"])
        assert answer["show_alert"] and "无权" in answer["text"]
        assert not [m for m in chat.emulator.messages(OTHER_TEAM_TECH)
                    if "photo" in m or "document" in m]


async def test_the_detail_lists_the_attachments_with_the_button(desk: Desk) -> None:
    async with running_bot(desk) as chat:
        await report_with_files(chat)
        with desk.sessions.begin() as session:
            number = session.scalar(select(Ticket.number))
        detail = await chat.say(TECH, f"/ticket {number}")
        assert "附件（2 个" in detail["text"]
        assert "2. 文件「拓扑图.pdf」" in detail["text"]
        last = chat.last_id(TECH)
        await chat.press(TECH, detail, "📎 查看附件", wait_reply=False)
        await chat.emulator.wait_for_message(TECH, lambda m: "document" in m, after_id=last)


async def test_forged_attachment_buttons_are_refused(desk: Desk) -> None:
    async with running_bot(desk) as chat:
        await chat.say(TECH, "/start")
        for data in ("att:show:99999", "att:show:1e9", "att:show:1:2", "att:show"):
            answer = await chat.press_data(TECH, TECH, 1, data)
            assert answer["show_alert"], data


async def test_the_reporter_adds_a_photo_after_submitting_within_the_limit(desk: Desk) -> None:
    async with running_bot(desk) as chat:
        number, card = await submit_ticket(chat)
        await chat.press(TECH, card, "认领", wait_reply=False)
        await chat.emulator.wait_for_message(INFRA_GROUP, lambda m: "由 李工 认领" in m["text"])
        detail = await chat.say(REPORTER, f"/ticket {number}")
        last_tech = chat.last_id(TECH)
        version = chat.emulator.chat_version(REPORTER)
        await chat.emulator.send_photo(REPORTER, REPORTER, b"\x89PNG later", caption="报错截图",
                                       reply_to_message_id=detail["message_id"])
        done = await chat.emulator.wait_for_message(
            REPORTER, lambda m: m.get("from_bot") and "补充附件" in m.get("text", ""),
            since_version=version)
        assert f"已为工单 {number} 补充附件（共 1 个），已通知处理人" in done["text"]
        relayed = await chat.emulator.wait_for_message(TECH, lambda m: "photo" in m,
                                                       after_id=last_tech)
        assert "王芳 为工单" in relayed["caption"] and "说明：报错截图" in relayed["caption"]
        with desk.sessions.begin() as session:
            ticket = session.scalar(select(Ticket).where(Ticket.number == number))
            assert [a.kind for a in ticket.attachments] == ["photo"]
            kinds = session.scalars(select(TicketEvent.kind)
                                    .where(TicketEvent.ticket_id == ticket.id)).all()
            assert "attachment" in kinds and "comment" in kinds

        limit = desk.settings.tickets.max_attachments * 2
        for _ in range(limit - 1):
            version = chat.emulator.chat_version(REPORTER)
            await chat.emulator.send_document(REPORTER, REPORTER, b"%PDF", filename="日志.txt",
                                              reply_to_message_id=detail["message_id"])
            await chat.emulator.wait_for_message(
                REPORTER, lambda m: m.get("from_bot") and "补充附件" in m.get("text", ""),
                since_version=version)
        version = chat.emulator.chat_version(REPORTER)
        await chat.emulator.send_photo(REPORTER, REPORTER, b"\x89PNG one too many",
                                       reply_to_message_id=detail["message_id"])
        refused = await chat.emulator.wait_for_message(
            REPORTER, lambda m: m.get("from_bot") and "上限" in m.get("text", ""),
            since_version=version)
        assert f"已达上限（{limit} 个）" in refused["text"]
        with desk.sessions.begin() as session:
            ticket = session.scalar(select(Ticket).where(Ticket.number == number))
            assert len(ticket.attachments) == limit


async def test_a_photo_about_no_ticket_says_how_to_add_one(desk: Desk) -> None:
    async with running_bot(desk) as chat:
        await chat.say(REPORTER, "/start")
        version = chat.emulator.chat_version(REPORTER)
        await chat.emulator.send_photo(REPORTER, REPORTER, b"\x89PNG")
        hint = await chat.emulator.wait_for_message(
            REPORTER, lambda m: m.get("from_bot") and "回复" in m.get("text", ""),
            since_version=version)
        assert "补充图片" in hint["text"] and "/ticket" in hint["text"]
