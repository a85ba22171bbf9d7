"""The bot's first words, end to end through the emulator: /start, registration, /help."""

from __future__ import annotations

from bot.desk import Desk
from handlers.renderers.common import BUSY, UNSUPPORTED_MESSAGE
from tests.support.sandbox import running_bot, telegram

NEWCOMER = 7777


async def test_a_new_person_registers_through_start(desk: Desk) -> None:
    async with running_bot(desk) as chat:
        chat.emulator.add_user(NEWCOMER, "小林")
        reply = await chat.say(NEWCOMER, "/start")
        assert "真实姓名" in reply["text"]
        reply = await chat.say(NEWCOMER, "林小雨")
        assert "单位/部门" in reply["text"]
        reply = await chat.say(NEWCOMER, "市教育局 办公室")
        assert "登记完成" in reply["text"] and "林小雨" in reply["text"]
        reply = await chat.say(NEWCOMER, "/start")
        assert "林小雨" in reply["text"] and "报修人" in reply["text"]


async def test_registration_survives_a_restart(desk: Desk) -> None:
    async with telegram(desk) as emulator:
        emulator.add_user(NEWCOMER, "小林")
        async with running_bot(desk, emulator) as chat:
            await chat.say(NEWCOMER, "/start")
            await chat.say(NEWCOMER, "林小雨")
        async with running_bot(desk, emulator) as chat:
            reply = await chat.say(NEWCOMER, "市教育局")
            assert "登记完成" in reply["text"]


async def test_bad_answers_during_registration(desk: Desk) -> None:
    async with running_bot(desk) as chat:
        chat.emulator.add_user(NEWCOMER, "小林")
        await chat.say(NEWCOMER, "/start")
        reply = await chat.say(NEWCOMER, "名" * 100)
        assert "过长" in reply["text"]
        version = chat.emulator.chat_version(NEWCOMER)
        await chat.emulator.send_sticker(NEWCOMER, NEWCOMER)
        reply = await chat.emulator.wait_for_message(NEWCOMER, since_version=version)
        assert "请发送文字" in reply["text"]
        reply = await chat.say(NEWCOMER, "<b>林</b>")
        assert "单位/部门" in reply["text"]
        reply = await chat.say(NEWCOMER, "/cancel")
        assert "已取消" in reply["text"]


async def test_closed_registration_tells_how_to_get_access(desk: Desk) -> None:
    from dataclasses import replace

    desk.settings = replace(desk.settings,
                            desk=replace(desk.settings.desk, open_registration=False))
    async with running_bot(desk) as chat:
        chat.emulator.add_user(NEWCOMER, "小林")
        reply = await chat.say(NEWCOMER, "/start")
        assert "尚未" in reply["text"] and str(NEWCOMER) in reply["text"]


async def test_help_differs_by_role(desk: Desk) -> None:
    async with running_bot(desk) as chat:
        reporter = (await chat.say(1001, "/help"))["text"]
        manager = (await chat.say(4001, "/help"))["text"]
        assert "/report" in reporter and "/kb_new" not in reporter
        assert "/kb_new" in manager
        unknown = await chat.say(1001, "/frobnicate")
        assert "未知命令 /frobnicate" in unknown["text"]


async def test_a_sticker_outside_a_conversation_gets_a_clear_answer(desk: Desk) -> None:
    async with running_bot(desk) as chat:
        version = chat.emulator.chat_version(1001)
        await chat.emulator.send_sticker(1001, 1001)
        reply = await chat.emulator.wait_for_message(1001, since_version=version)
        assert reply["text"] == UNSUPPORTED_MESSAGE


async def test_an_error_in_a_handler_leaves_the_bot_running(desk: Desk, monkeypatch) -> None:
    import handlers.help as help_module

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(help_module, "help_text", broken)
    async with running_bot(desk) as chat:
        reply = await chat.say(1001, "/help")
        assert reply["text"] == BUSY
        reply = await chat.say(1001, "/start")
        assert "王芳" in reply["text"]


async def test_start_publishes_the_command_menu(desk: Desk) -> None:
    async with running_bot(desk) as chat:
        await chat.say(1001, "/start")
        assert chat.emulator.calls_to("setMyCommands")
