"""Reporting a fault end to end: the conversation, the ticket, the card, bad input."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from bot.desk import Desk
from bot.models import Ticket
from tests.support.sandbox import Chatter, running_bot, telegram

REPORTER, OTHER = 1001, 1002
INFRA_GROUP = -1001


async def walk_to_summary(chat: Chatter, user: int, description: str) -> dict:
    """Go through /report up to the summary card, choosing the network category."""
    step = await chat.say(user, "/report")
    assert "服务分类" in step["text"]
    _, step = await chat.press(user, step, "网络系统")
    assert "描述问题" in step["text"]
    step = await chat.say(user, description)
    assert "影响范围" in step["text"]
    _, step = await chat.press(user, step, "部门")
    assert "紧急程度" in step["text"]
    _, step = await chat.press(user, step, "业务中断")
    if "知识库文章" in step["text"]:
        _, step = await chat.press(user, step, "仍需报修")
    assert "请确认报修信息" in step["text"], step["text"]
    return step


async def test_a_report_becomes_one_ticket_and_a_card_in_the_team_group(desk: Desk) -> None:
    async with running_bot(desk) as chat:
        summary = await walk_to_summary(chat, REPORTER, "三楼办公室整层上不了网，网线灯不亮")
        assert "P2 高" in summary["text"] and "响应时限" in summary["text"]
        answer, done = await chat.press(REPORTER, summary, "确认提交")
        assert "报修已提交" in done["text"]
        number = done["text"].split("工单号 ")[1].split("（")[0].replace("<b>", "")
        card = await chat.emulator.wait_for_message(INFRA_GROUP, timeout=5)
        assert number.strip("</b>") in card["text"] and "王芳" in card["text"]
        again = await chat.press_data(REPORTER, REPORTER, summary["message_id"],
                                      summary["reply_markup"]["inline_keyboard"][0][0]
                                      ["callback_data"])
        assert "已提交过" in again["text"]
    with desk.sessions.begin() as session:
        assert session.scalar(select(func.count(Ticket.id))) == 1


async def test_a_restart_in_the_middle_loses_nothing(desk: Desk) -> None:
    async with telegram(desk) as emulator:
        async with running_bot(desk, emulator) as chat:
            step = await chat.say(REPORTER, "/report")
            _, step = await chat.press(REPORTER, step, "终端与办公设备")
            step = await chat.say(REPORTER, "打印机卡纸，无法打印")
            assert "影响范围" in step["text"]
        async with running_bot(desk, emulator) as chat:
            await _continue_after_restart(chat, step)


async def _continue_after_restart(chat: Chatter, step: dict) -> None:
    """The impact buttons sent before the restart still work after it."""
    _, step = await chat.press(REPORTER, step, "个人")
    assert "紧急程度" in step["text"]


async def test_bad_descriptions_are_refused_and_kept(desk: Desk) -> None:
    async with running_bot(desk) as chat:
        step = await chat.say(REPORTER, "/report")
        _, step = await chat.press(REPORTER, step, "网络系统")
        long = "网络" * 1500
        refused = await chat.say(REPORTER, long)
        assert "过长（3000 字）" in refused["text"] and "网络网络" in refused["text"]
        version = chat.emulator.chat_version(REPORTER)
        await chat.emulator.send_sticker(REPORTER, REPORTER)
        hint = await chat.emulator.wait_for_message(REPORTER, since_version=version)
        assert "请发送文字" in hint["text"]
        step = await chat.say(REPORTER, "<script>alert(1)</script> & 断网")
        assert "影响范围" in step["text"]
        _, step = await chat.press(REPORTER, step, "个人")
        _, step = await chat.press(REPORTER, step, "可延后")
        if "知识库文章" in step["text"]:
            _, step = await chat.press(REPORTER, step, "仍需报修")
        assert "<script>alert(1)</script> & 断网" in step["text"]


async def test_forged_and_stale_buttons_are_refused(desk: Desk) -> None:
    async with running_bot(desk) as chat:
        step = await chat.say(REPORTER, "/report")
        answer = await chat.press_data(REPORTER, REPORTER, step["message_id"], "rp:cat:nothing")
        assert answer["show_alert"] and "过期" in answer["text"]
        answer = await chat.press_data(REPORTER, REPORTER, step["message_id"], "rp:urg:outage")
        assert answer["show_alert"]
        answer = await chat.press_data(REPORTER, REPORTER, step["message_id"], "rp:ok:../../x")
        assert answer["show_alert"]


async def test_several_reporters_at_once(desk: Desk) -> None:
    async with running_bot(desk) as chat:
        async def one(user: int, text: str) -> None:
            summary = await walk_to_summary(chat, user, text)
            _, done = await chat.press(user, summary, "确认提交")
            assert "报修已提交" in done["text"]

        await asyncio.gather(one(REPORTER, "VPN 连不上"), one(OTHER, "OA 打不开"))
    with desk.sessions.begin() as session:
        numbers = session.scalars(select(Ticket.number).order_by(Ticket.id)).all()
    assert len(numbers) == 2 and len(set(numbers)) == 2


async def test_photos_with_the_report(desk: Desk) -> None:
    async with running_bot(desk) as chat:
        step = await chat.say(REPORTER, "/report")
        _, step = await chat.press(REPORTER, step, "网络系统")
        version = chat.emulator.chat_version(REPORTER)
        await chat.emulator.send_photo(REPORTER, REPORTER, b"\x89PNG fake", caption=None)
        hint = await chat.emulator.wait_for_message(REPORTER, since_version=version)
        assert "已收到附件（1/5）" in hint["text"]
        for _ in range(4):
            await chat.emulator.send_photo(REPORTER, REPORTER, b"\x89PNG fake")
        version = chat.emulator.chat_version(REPORTER)
        await asyncio.sleep(0.3)
        await chat.emulator.send_photo(REPORTER, REPORTER, b"\x89PNG fake")
        refused = await chat.emulator.wait_for_message(
            REPORTER, lambda m: "最多 5 个" in m["text"], since_version=version)
        assert refused
