"""The emulator refuses what Telegram refuses (keyboard size) and lets users edit messages."""

from __future__ import annotations

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest
from telegram.ext import Application

from bot.sandbox import BotApiEmulator
from tests.sandbox.conftest import ALICE, BOB, GROUP


def keyboard(buttons: int) -> InlineKeyboardMarkup:
    labels = [InlineKeyboardButton(str(n), callback_data=f"b{n}") for n in range(buttons)]
    return InlineKeyboardMarkup([labels[i:i + 8] for i in range(0, buttons, 8)])


async def test_more_than_a_hundred_buttons_are_rejected(echo_app: Application) -> None:
    await echo_app.bot.send_message(ALICE, "一百个", reply_markup=keyboard(100))
    with pytest.raises(BadRequest, match="(?i)reply markup is too long"):
        await echo_app.bot.send_message(ALICE, "一百零一个", reply_markup=keyboard(101))


async def test_a_user_edit_reaches_the_bot_as_edited_message(
        emulator: BotApiEmulator, echo_app: Application) -> None:
    sent = await emulator.send_text(ALICE, ALICE, "第一版")
    await emulator.wait_for_message(ALICE)
    version = emulator.chat_version(ALICE)
    edited = await emulator.edit_text(ALICE, ALICE, sent["message_id"], "第二版")
    assert edited["text"] == "第二版" and "edit_date" in edited
    echo = await emulator.wait_for_message(ALICE, since_version=version)
    assert echo["text"] == "echo: 第二版"  # PTB's text handlers see edits like new messages
    in_group = await emulator.send_text(ALICE, GROUP, "组内消息")
    with pytest.raises(ValueError):
        await emulator.edit_text(BOB, GROUP, in_group["message_id"], "冒名")
