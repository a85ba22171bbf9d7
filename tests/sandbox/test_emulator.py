"""The Bot API emulator through real HTTP with a real python-telegram-bot Application."""

from __future__ import annotations

import asyncio
import struct
import time
import zlib
from datetime import timedelta

import aiohttp
import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
)
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import Application

from bot.sandbox import BotApiEmulator
from tests.sandbox.conftest import ALERT, ALICE, BOB, CONFIRMED, GROUP


def tiny_png() -> bytes:
    """Return a valid 2x1 PNG."""
    raw = b"\x00\xff\x00\x00\x00\xff\x00"
    chunks = [
        (b"IHDR", struct.pack(">IIBBBBB", 2, 1, 8, 2, 0, 0, 0)),
        (b"IDAT", zlib.compress(raw)),
        (b"IEND", b""),
    ]
    body = b"".join(
        struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        for kind, data in chunks
    )
    return b"\x89PNG\r\n\x1a\n" + body


async def test_get_me_describes_the_bot(echo_app: Application) -> None:
    me = await echo_app.bot.get_me()
    assert me.username == "govdesk_bot" and me.is_bot


async def test_command_reaches_command_handler(
    emulator: BotApiEmulator, echo_app: Application
) -> None:
    sent = await emulator.send_text(ALICE, ALICE, "/start")
    assert sent["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    reply = await emulator.wait_for_message(ALICE, after_id=sent["message_id"])
    assert reply["text"] == "你好，这里是政务运维服务台。"
    assert reply["entities"] == [{"type": "bold", "offset": 0, "length": 2}]
    buttons = reply["reply_markup"]["inline_keyboard"][0]
    assert [b["callback_data"] for b in buttons] == ["ok", "tip"]


async def test_addressed_command_in_group(emulator: BotApiEmulator, echo_app: Application) -> None:
    sent = await emulator.send_text(BOB, GROUP, "/start@govdesk_bot")
    reply = await emulator.wait_for_message(GROUP, after_id=sent["message_id"])
    assert reply["chat"] == {"id": GROUP, "type": "supergroup", "title": "基础设施运维组"}


async def test_text_round_trips(emulator: BotApiEmulator, echo_app: Application) -> None:
    sent = await emulator.send_text(ALICE, ALICE, "打印机卡纸了")
    reply = await emulator.wait_for_message(ALICE, after_id=sent["message_id"])
    assert reply["text"] == "echo: 打印机卡纸了"
    assert reply["reply_to_message"]["message_id"] == sent["message_id"]
    assert [m["from_bot"] for m in emulator.messages(ALICE)] == [False, True]


async def test_button_press_edits_message(emulator: BotApiEmulator, echo_app: Application) -> None:
    await emulator.send_text(ALICE, ALICE, "/start")
    greeting = await emulator.wait_for_message(ALICE)
    version = emulator.chat_version(ALICE)
    query_id = await emulator.press_button(ALICE, ALICE, greeting["message_id"], "ok")
    edited = await emulator.wait_for_message(ALICE, since_version=version)
    assert edited["text"] == CONFIRMED and edited["edit_version"] == 1
    assert "reply_markup" not in edited
    assert await emulator.wait_for_answer(query_id) is not None


async def test_callback_alert_is_recorded(emulator: BotApiEmulator, echo_app: Application) -> None:
    await emulator.send_text(ALICE, ALICE, "/start")
    greeting = await emulator.wait_for_message(ALICE)
    query_id = await emulator.press_button(ALICE, ALICE, greeting["message_id"], "tip")
    answer = await emulator.wait_for_answer(query_id, timeout=5)
    assert answer is not None
    assert answer["text"] == ALERT and answer["show_alert"] is True


async def test_text_length_is_counted_after_entities(echo_app: Application) -> None:
    bot = echo_app.bot
    await bot.send_message(ALICE, "<b>" + "字" * 4096 + "</b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match="(?i)message is too long"):
        await bot.send_message(ALICE, "x" * 4097)
    with pytest.raises(BadRequest, match="(?i)message text is empty"):
        await bot.send_message(ALICE, "   ")


async def test_long_callback_data_is_rejected(echo_app: Application) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("认领", callback_data="c" * 65)]])
    with pytest.raises(BadRequest, match="(?i)button_data_invalid"):
        await echo_app.bot.send_message(ALICE, "新工单", reply_markup=markup)
    ok = InlineKeyboardMarkup([[InlineKeyboardButton("认领", callback_data="认" * 21)]])
    await echo_app.bot.send_message(ALICE, "新工单", reply_markup=ok)


@pytest.mark.parametrize(
    "text", ["第一行<br>第二行", "<b>未闭合", "a < b", "A & B", "<span>x</span>", "<b>x</i>"]
)
async def test_bad_html_is_rejected(echo_app: Application, text: str) -> None:
    with pytest.raises(BadRequest, match="(?i)can't parse entities"):
        await echo_app.bot.send_message(ALICE, text, parse_mode="HTML")


async def test_edit_with_same_content_is_not_modified(echo_app: Application) -> None:
    message = await echo_app.bot.send_message(ALICE, "<i>处理中</i>", parse_mode="HTML")
    with pytest.raises(BadRequest, match="(?i)message is not modified"):
        await message.edit_text("<i>处理中</i>", parse_mode="HTML")
    await message.edit_text("<b>处理中</b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match="(?i)message to edit not found"):
        await echo_app.bot.edit_message_text("x", chat_id=ALICE, message_id=999)


async def test_delete_is_flagged_in_transcript(
    emulator: BotApiEmulator, echo_app: Application
) -> None:
    message = await echo_app.bot.send_message(ALICE, "临时消息")
    assert await message.delete()
    assert emulator.messages(ALICE)[-1]["deleted"] is True


async def test_blocked_and_unknown_chats(emulator: BotApiEmulator, echo_app: Application) -> None:
    emulator.set_blocked(BOB)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await echo_app.bot.send_message(BOB, "您的工单已办结")
    with pytest.raises(BadRequest, match="(?i)chat not found"):
        await echo_app.bot.send_message(4242, "hello")
    emulator.add_user(1003, "新人", started=False)
    with pytest.raises(Forbidden, match="can't initiate conversation"):
        await echo_app.bot.send_message(1003, "hello")


async def test_an_upgraded_group_answers_chat_migrated(
    emulator: BotApiEmulator, echo_app: Application
) -> None:
    sent = await echo_app.bot.send_message(GROUP, "旧群的卡片")
    emulator.upgrade_group(GROUP, GROUP - 1, by_user_id=ALICE)
    with pytest.raises(ChatMigrated) as raised:
        await echo_app.bot.send_message(GROUP, "hello")
    assert raised.value.new_chat_id == GROUP - 1
    with pytest.raises(ChatMigrated):
        await echo_app.bot.edit_message_text("改", GROUP, sent.message_id)
    assert (await echo_app.bot.send_message(GROUP - 1, "新群")).chat.type == "supergroup"
    service = [m for m in emulator.messages(GROUP) + emulator.messages(GROUP - 1)
               if not m["from_bot"]]
    assert [(m["chat"]["id"], m.get("migrate_to_chat_id"), m.get("migrate_from_chat_id"))
            for m in service] == [(GROUP, GROUP - 1, None), (GROUP - 1, None, GROUP)]
    with pytest.raises(ValueError):
        emulator.upgrade_group(GROUP - 1, GROUP - 1, by_user_id=ALICE)


async def test_photo_upload_and_download(emulator: BotApiEmulator, echo_app: Application) -> None:
    png = tiny_png()
    message = await echo_app.bot.send_photo(
        ALICE, photo=png, caption="<b>截图</b>", parse_mode="HTML"
    )
    assert (message.photo[-1].width, message.photo[-1].height) == (2, 1)
    assert message.caption == "截图"
    file = await message.photo[-1].get_file()
    assert bytes(await file.download_as_bytearray()) == png
    again = await echo_app.bot.send_photo(ALICE, photo=message.photo[-1].file_id)
    assert again.photo[-1].file_id == message.photo[-1].file_id
    sent = await emulator.send_photo(ALICE, ALICE, png, caption="报错截图")
    reply = await emulator.wait_for_message(ALICE, after_id=sent["message_id"])
    assert reply["text"] == f"收到图片 {len(png)} 字节"


async def test_document_upload(emulator: BotApiEmulator, echo_app: Application) -> None:
    message = await echo_app.bot.send_document(ALICE, document=b"a,b\n1,2\n", filename="周报.csv")
    assert message.document is not None and message.document.file_name == "周报.csv"
    assert emulator.messages(ALICE)[-1]["document"]["file_size"] == 8


async def test_forward_and_copy_user_photo_to_group(
    emulator: BotApiEmulator, echo_app: Application
) -> None:
    sent = await emulator.send_document(ALICE, ALICE, b"log", filename="error.log")
    bot = echo_app.bot
    forwarded = await bot.forward_message(GROUP, from_chat_id=ALICE, message_id=sent["message_id"])
    assert forwarded.document is not None and forwarded.document.file_name == "error.log"
    assert forwarded.forward_origin is not None
    copied = await bot.copy_message(
        GROUP, ALICE, sent["message_id"], caption="<b>附件</b>", parse_mode="HTML"
    )
    assert emulator.messages(GROUP)[-1]["message_id"] == copied.message_id
    assert emulator.messages(GROUP)[-1]["caption"] == "附件"


async def test_calls_are_logged(emulator: BotApiEmulator, echo_app: Application) -> None:
    await echo_app.bot.send_message(ALICE, "工单 #7 已受理")
    call = emulator.calls_to("sendMessage")[-1]
    assert call.status == 200 and call.params["text"] == "工单 #7 已受理"
    assert call.params["chat_id"] == ALICE


async def test_stop_releases_injected_timeout() -> None:
    emulator = BotApiEmulator()
    await emulator.start()
    emulator.add_user(ALICE, "晓丽")
    emulator.faults.fail_next("sendMessage", 1, "timeout")
    url = f"{emulator.base_url}{emulator.token}/sendMessage"
    async with aiohttp.ClientSession() as session:
        held = asyncio.ensure_future(session.post(url, json={"chat_id": ALICE, "text": "x"}))
        await asyncio.sleep(0.2)
        started = time.monotonic()
        await emulator.stop()
        with pytest.raises(aiohttp.ClientError):
            await asyncio.wait_for(held, 1.0)
        assert time.monotonic() - started < 1.0


async def test_commands_are_stored_per_scope(echo_app: Application) -> None:
    bot = echo_app.bot
    await bot.set_my_commands([BotCommand("new", "提交报修")])
    await bot.set_my_commands([BotCommand("queue", "待办队列")], scope=BotCommandScopeChat(GROUP))
    assert [c.command for c in await bot.get_my_commands()] == ["new"]
    group_commands = await bot.get_my_commands(scope=BotCommandScopeChat(GROUP))
    assert [c.command for c in group_commands] == ["queue"]


async def test_wrong_token_is_unauthorized(emulator: BotApiEmulator) -> None:
    bot = Bot("999:WRONG", base_url=emulator.base_url, base_file_url=emulator.base_file_url)
    with pytest.raises(InvalidToken):
        await bot.initialize()
    await bot.shutdown()
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{emulator.base_url}999:WRONG/getMe") as response:
            assert response.status == 401
            assert await response.json() == {
                "ok": False,
                "error_code": 401,
                "description": "Unauthorized",
            }
        async with session.post(f"{emulator.base_url}{emulator.token}/noSuchMethod") as response:
            assert response.status == 404
            assert (await response.json())["description"] == "Not Found"


async def test_injected_429_becomes_retry_after(
    emulator: BotApiEmulator, echo_app: Application, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")  # else PTB 22 warns when it builds RetryAfter
    emulator.faults.fail_next("sendMessage", 1, "429", retry_after=3)
    with pytest.raises(RetryAfter) as raised:
        await echo_app.bot.send_message(ALICE, "第一次")
    assert raised.value.retry_after == timedelta(seconds=3)
    await echo_app.bot.send_message(ALICE, "第二次")
    assert [c.status for c in emulator.calls_to("sendMessage")] == [429, 200]


async def test_injected_500_and_timeout(emulator: BotApiEmulator, echo_app: Application) -> None:
    emulator.faults.fail_next("sendMessage", 1, "500")
    with pytest.raises(NetworkError):
        await echo_app.bot.send_message(ALICE, "x")
    emulator.faults.fail_next("sendMessage", 1, "timeout")
    with pytest.raises(TimedOut):
        await echo_app.bot.send_message(ALICE, "x", read_timeout=0.3)
    emulator.faults.fail_next("sendMessage", 1, "drop")
    with pytest.raises(NetworkError):
        await echo_app.bot.send_message(ALICE, "x")


async def test_down_means_network_error_until_up(
    emulator: BotApiEmulator, echo_app: Application
) -> None:
    emulator.faults.set_down(True)
    with pytest.raises(NetworkError):
        await echo_app.bot.send_message(ALICE, "通知")
    emulator.faults.set_down(True, mode="502")
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await echo_app.bot.send_message(ALICE, "通知")
    emulator.faults.set_down(False)
    await echo_app.bot.send_message(ALICE, "通知")
    sent = await emulator.send_text(ALICE, ALICE, "恢复了吗")
    reply = await emulator.wait_for_message(ALICE, after_id=sent["message_id"], timeout=10)
    assert reply["text"] == "echo: 恢复了吗"


async def test_flood_limits_are_counted_and_enforced(
    emulator: BotApiEmulator, echo_app: Application, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")
    for _ in range(22):  # 20 per minute, plus one message of tolerance for network jitter
        await echo_app.bot.send_message(GROUP, "刷屏")
    assert [v["scope"] for v in emulator.faults.rate_limits.violations] == ["group"]
    emulator.faults.rate_limits.enforce = True
    with pytest.raises(RetryAfter):
        await echo_app.bot.send_message(GROUP, "刷屏")
    await echo_app.bot.send_message(ALICE, "私聊不受群组限制")


async def test_long_poll_does_not_spin(emulator: BotApiEmulator, echo_app: Application) -> None:
    before = len(emulator.calls_to("getUpdates"))
    await asyncio.sleep(1.0)
    assert len(emulator.calls_to("getUpdates")) - before <= 3


async def test_stop_releases_held_poll() -> None:
    emulator = BotApiEmulator()
    await emulator.start()
    url = f"{emulator.base_url}{emulator.token}/getUpdates"
    async with aiohttp.ClientSession() as session:
        poll = asyncio.ensure_future(session.post(url, json={"timeout": 30}))
        await asyncio.sleep(0.2)
        assert not poll.done()
        started = time.monotonic()
        await emulator.stop()
        response = await asyncio.wait_for(poll, 1.0)
        assert time.monotonic() - started < 1.0
        assert (await response.json()) == {"ok": True, "result": []}
        response.release()


async def test_allowed_updates_filter_callback_queries(emulator: BotApiEmulator) -> None:
    url = f"{emulator.base_url}{emulator.token}/getUpdates"
    async with aiohttp.ClientSession() as session:
        async with session.post(url, json={"allowed_updates": ["message"]}) as response:
            assert (await response.json())["result"] == []
        await emulator.send_text(ALICE, ALICE, "你好")
        async with session.post(url, data={"timeout": "1"}) as response:
            updates = (await response.json())["result"]
    assert [list(u) for u in updates] == [["update_id", "message"]]
