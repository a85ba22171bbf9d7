"""End-to-end harness: the real bot, built by the composition root, against the emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

from telegram import Update
from telegram.ext import Application

from bot.app import build_application
from bot.desk import Desk
from bot.sandbox.demo import populate
from bot.sandbox.emulator import BotApiEmulator

Message = dict[str, Any]


class Chatter:
    """Acts as the people of a desk in the emulator and reads what the bot answered."""

    def __init__(self, emulator: BotApiEmulator, application: Application) -> None:
        self.emulator = emulator
        self.application = application

    async def say(self, user_id: int, text: str, chat_id: int | None = None,
                  timeout: float = 5.0, reply_to: int | None = None) -> Message:
        """Send text as a person and return the bot's next message in that chat."""
        chat = chat_id if chat_id is not None else user_id
        version = self.emulator.chat_version(chat)
        await self.emulator.send_text(user_id, chat, text, reply_to_message_id=reply_to)
        return await self.emulator.wait_for_message(chat, timeout=timeout,
                                                     since_version=version)

    async def send(self, user_id: int, text: str, chat_id: int | None = None) -> None:
        """Send text and do not wait for an answer."""
        chat = chat_id if chat_id is not None else user_id
        await self.emulator.send_text(user_id, chat, text)

    async def press(self, user_id: int, message: Message, label: str,
                    chat_id: int | None = None, wait_reply: bool = True,
                    timeout: float = 5.0) -> tuple[dict[str, Any] | None, Message | None]:
        """Press the button labelled `label` on a message; return the answer and the next
        new bot message in the chat (edits of older messages are not replies)."""
        chat = chat_id if chat_id is not None else message["chat"]["id"]
        data = button_data(message, label)
        last = self.last_id(chat)
        query_id = await self.emulator.press_button(user_id, chat, message["message_id"], data)
        answer = await self.emulator.wait_for_answer(query_id, timeout)
        reply = None
        if wait_reply:
            reply = await self.emulator.wait_for_message(chat, timeout=timeout, after_id=last)
        return answer, reply

    def last_id(self, chat_id: int) -> int:
        """The id of the newest message in a chat (0 if none)."""
        messages = self.emulator.messages(chat_id)
        return max((m["message_id"] for m in messages), default=0)

    async def press_data(self, user_id: int, chat_id: int, message_id: int,
                         data: str) -> dict[str, Any] | None:
        """Press a button with arbitrary (possibly forged) data; return the answer."""
        query_id = await self.emulator.press_button(user_id, chat_id, message_id, data,
                                                    strict=False)
        return await self.emulator.wait_for_answer(query_id, 5.0)

    def bot_messages(self, chat_id: int) -> list[Message]:
        return [m for m in self.emulator.messages(chat_id) if m.get("from_bot")]


def button_data(message: Message, label: str) -> str:
    """The callback data of the first button whose label starts with `label`."""
    for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
        for button in row:
            if button["text"].startswith(label):
                return button["callback_data"]
    labels = [b["text"] for row in (message.get("reply_markup") or {}).get("inline_keyboard", [])
              for b in row]
    raise AssertionError(f"no button {label!r} on message; buttons: {labels}")


@asynccontextmanager
async def running_bot(desk: Desk, emulator: BotApiEmulator | None = None
                      ) -> AsyncIterator[Chatter]:
    """Start the bot (as `govdesk run` would) against an emulator, yield a Chatter, stop.

    Pass an emulator to keep "Telegram" running across a restart of the bot.
    """
    own = emulator is None
    if emulator is None:
        emulator = BotApiEmulator()
        await emulator.start()
        populate(emulator, desk.settings)
    telegram = replace(desk.settings.telegram, token=emulator.token, api_url=emulator.base_url,
                       file_api_url=emulator.base_file_url, poll_timeout=2)
    desk.settings = replace(desk.settings, telegram=telegram)
    application = build_application(desk)
    try:
        async with polling(application):
            yield Chatter(emulator, application)
    finally:
        if own:
            await emulator.stop()


@asynccontextmanager
async def polling(application: Application) -> AsyncIterator[Application]:
    """Run an application's long polling and background services, as `govdesk run` does."""
    async with application:
        await application.post_init(application)
        await application.updater.start_polling(poll_interval=0.0, timeout=2,
                                                allowed_updates=Update.ALL_TYPES)
        await application.start()
        try:
            yield application
        finally:
            await application.updater.stop()
            await application.stop()
            await application.post_stop(application)


@asynccontextmanager
async def telegram(desk: Desk) -> AsyncIterator[BotApiEmulator]:
    """An emulator that outlives the bots started against it."""
    emulator = BotApiEmulator()
    await emulator.start()
    populate(emulator, desk.settings)
    try:
        yield emulator
    finally:
        await emulator.stop()
