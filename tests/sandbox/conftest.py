"""Fixtures for the sandbox tier: an emulator on a free port and a tiny PTB echo bot."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.clock import AdjustableClock
from bot.sandbox import BotApiEmulator

ALICE = 1001
BOB = 1002
GROUP = -1001234567890
GREETING = "<b>你好</b>，这里是政务运维服务台。"
CONFIRMED = "已确认 ✅"
ALERT = "工单已受理"
KEYBOARD = InlineKeyboardMarkup(
    [
        [
            InlineKeyboardButton("确认", callback_data="ok"),
            InlineKeyboardButton("提示", callback_data="tip"),
        ]
    ]
)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Greet the user with two buttons."""
    assert update.effective_message is not None
    await update.effective_message.reply_html(GREETING, reply_markup=KEYBOARD)


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Repeat the user's text."""
    assert update.effective_message is not None
    await update.effective_message.reply_text(
        f"echo: {update.effective_message.text}", do_quote=True
    )


async def photo_size(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Download the photo and answer with its size in bytes."""
    assert update.effective_message is not None
    photo = await update.effective_message.photo[-1].get_file()
    data = await photo.download_as_bytearray()
    await update.effective_message.reply_text(f"收到图片 {len(data)} 字节")


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Confirm by editing the message, or show an alert."""
    query = update.callback_query
    assert query is not None
    if query.data == "ok":
        await query.answer()
        await query.edit_message_text(CONFIRMED)
    else:
        await query.answer(ALERT, show_alert=True)


def build_echo_app(emulator: BotApiEmulator) -> Application:
    """Build a PTB Application pointed at the emulator, with the echo handlers."""
    app = (
        ApplicationBuilder()
        .token(emulator.token)
        .base_url(emulator.base_url)
        .base_file_url(emulator.base_file_url)
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    app.add_handler(MessageHandler(filters.PHOTO, photo_size))
    app.add_handler(CallbackQueryHandler(button))
    return app


@pytest.fixture
def emulator_clock() -> AdjustableClock | None:
    """The clock message dates come from (None: the real clock); override per module."""
    return None


@pytest.fixture
async def emulator(emulator_clock: AdjustableClock | None) -> AsyncIterator[BotApiEmulator]:
    emu = BotApiEmulator(clock=emulator_clock)
    await emu.start()
    emu.add_user(ALICE, "晓丽", "王", username="wang_xiaoli")
    emu.add_user(BOB, "建国", "李")
    emu.add_group(GROUP, "基础设施运维组", [ALICE, BOB])
    yield emu
    await emu.stop()


@pytest.fixture
async def echo_app(emulator: BotApiEmulator) -> AsyncIterator[Application]:
    app = build_echo_app(emulator)
    async with app:
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0)
        await app.start()
        yield app
        await app.stop()
        await app.updater.stop()
