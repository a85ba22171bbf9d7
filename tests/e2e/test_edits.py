"""Edited messages are never handled as new ones (docs/DECISIONS.md, "Edited messages")."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from bot.desk import Desk
from bot.models import Conversation, Ticket, TicketEvent
from handlers.renderers.common import EDIT_IGNORED
from tests.e2e.test_work import INFRA_GROUP, LEAD, REPORTER, submit_ticket
from tests.support.sandbox import Chatter, running_bot

QUIET = 0.4  # how long the bot is given to (wrongly) answer an edit a second time


def events(desk: Desk, number: str, kind: str) -> int:
    with desk.sessions.begin() as session:
        return session.scalar(select(func.count()).select_from(TicketEvent).join(Ticket).where(
            Ticket.number == number, TicketEvent.kind == kind))


async def edit(chat: Chatter, user: int, message: dict, text: str) -> dict:
    """Edit a message the user sent and return the bot's next message in that chat."""
    chat_id = message["chat"]["id"]
    last = chat.last_id(chat_id)
    await chat.emulator.edit_text(user, chat_id, message["message_id"], text)
    return await chat.emulator.wait_for_message(chat_id, after_id=last)


async def sent_by(chat: Chatter, user: int, text: str, chat_id: int | None = None,
                  reply_to: int | None = None) -> tuple[dict, dict]:
    """Send text; return the user's message and the bot's answer."""
    where = chat_id if chat_id is not None else user
    mine = await chat.emulator.send_text(user, where, text, reply_to_message_id=reply_to)
    answer = await chat.emulator.wait_for_message(where, after_id=mine["message_id"])
    return mine, answer


async def nothing_more(chat: Chatter, chat_id: int, after_id: int) -> None:
    await asyncio.sleep(QUIET)
    later = [m for m in chat.bot_messages(chat_id) if m["message_id"] > after_id]
    assert later == [], [m["text"] for m in later]


async def test_an_edited_note_is_not_recorded_twice(desk: Desk) -> None:
    async with running_bot(desk) as chat:
        number, _ = await submit_ticket(chat)
        note, saved = await sent_by(chat, REPORTER, f"/note {number} 型号 H3C")
        assert "已为工单" in saved["text"]
        hint = await edit(chat, REPORTER, note, f"/note {number} 型号 H3C S5130")
        assert hint["text"] == EDIT_IGNORED
        await nothing_more(chat, REPORTER, hint["message_id"])
    assert events(desk, number, "comment") == 1


async def test_an_edited_relay_reaches_the_reporter_once(desk: Desk) -> None:
    async with running_bot(desk) as chat:
        number, card = await submit_ticket(chat)
        last = chat.last_id(LEAD)
        await chat.press(LEAD, card, "认领", wait_reply=False)
        claimed = await chat.emulator.wait_for_message(
            LEAD, lambda m: "您已认领工单" in m["text"], after_id=last)
        last_reporter = chat.last_id(REPORTER)
        mine, sent = await sent_by(chat, LEAD, "请问是哪台交换机？",
                                   reply_to=claimed["message_id"])
        assert "已发送给报修人" in sent["text"]
        await chat.emulator.wait_for_message(REPORTER, lambda m: "处理人回复" in m["text"],
                                             after_id=last_reporter)
        hint = await edit(chat, LEAD, mine, "请问是几楼的交换机？")
        assert hint["text"] == EDIT_IGNORED
        await nothing_more(chat, LEAD, hint["message_id"])
        relayed = [m for m in chat.bot_messages(REPORTER) if "处理人回复" in m["text"]]
    assert len(relayed) == 1 and "哪台" in relayed[0]["text"]
    assert events(desk, number, "reply") == 1


async def test_an_edited_question_is_not_answered_again(desk: Desk) -> None:
    async with running_bot(desk) as chat:
        question, answer = await sent_by(chat, REPORTER, "打印机卡纸怎么办")
        assert "报修" in answer["text"] or "知识库" in answer["text"]
        hint = await edit(chat, REPORTER, question, "打印机缺纸怎么办")
        assert hint["text"] == EDIT_IGNORED
        await nothing_more(chat, REPORTER, hint["message_id"])


async def test_an_edited_answer_in_a_conversation_does_not_advance_it(desk: Desk) -> None:
    async with running_bot(desk) as chat:
        step = await chat.say(REPORTER, "/report")
        _, step = await chat.press(REPORTER, step, "网络系统")
        description, impact = await sent_by(chat, REPORTER, "三楼断网")
        assert "影响范围" in impact["text"]
        hint = await edit(chat, REPORTER, description, "三楼和四楼都断网")
        assert hint["text"] == EDIT_IGNORED
        with desk.sessions.begin() as session:
            draft = session.scalar(select(Conversation).where(Conversation.user_id == REPORTER))
            assert (draft.step, draft.data["description"]) == ("impact", "三楼断网")
        report, _ = await sent_by(chat, REPORTER, "/my")
        hint = await edit(chat, REPORTER, report, "/report")
        assert hint["text"] == EDIT_IGNORED  # an edited command starts nothing either
        await nothing_more(chat, REPORTER, hint["message_id"])


async def test_group_chatter_edits_are_ignored_silently(desk: Desk) -> None:
    async with running_bot(desk) as chat:
        number, card = await submit_ticket(chat)
        await chat.press(LEAD, card, "认领", wait_reply=False)
        chatter = await chat.emulator.send_text(LEAD, INFRA_GROUP, "大家辛苦了")
        last = chat.last_id(INFRA_GROUP)
        await chat.emulator.edit_text(LEAD, INFRA_GROUP, chatter["message_id"], "大家辛苦")
        await nothing_more(chat, INFRA_GROUP, last)
        note, saved = await sent_by(chat, LEAD, "内部 备件已申领", INFRA_GROUP,
                                    reply_to=card["message_id"])
        assert "内部备注" in saved["text"]
        hint = await edit(chat, LEAD, note, "内部 备件已到货")
        assert hint["text"] == EDIT_IGNORED  # a reply to the bot: told, not recorded again
    assert events(desk, number, "note") == 1
