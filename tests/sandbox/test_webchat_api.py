"""The web page's JSON API, without a browser."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import aiohttp
import pytest
from telegram.ext import Application

from bot.clock import AdjustableClock
from bot.sandbox import BotApiEmulator, Persona, WebChat
from tests.sandbox.conftest import ALERT, ALICE, BOB, GROUP

PERSONAS = [
    Persona(ALICE, "王晓丽", "报修人 · 财政局办公室", [(ALICE, "私聊")]),
    Persona(BOB, "李建国", "工程师 · 基础设施运维组", [(BOB, "私聊"), (GROUP, "运维组")]),
]


@pytest.fixture
def clock() -> AdjustableClock:
    return AdjustableClock(datetime(2026, 11, 23, 2, 5, tzinfo=UTC), frozen=True)


@pytest.fixture
def emulator_clock(clock: AdjustableClock) -> AdjustableClock:
    return clock


@pytest.fixture
async def webchat(emulator: BotApiEmulator, clock: AdjustableClock) -> AsyncIterator[WebChat]:
    ticks: list[datetime] = []

    async def on_clock_advanced() -> None:
        ticks.append(clock.now())

    chat = WebChat(emulator, PERSONAS, clock, on_clock_advanced)
    chat.ticks = ticks  # type: ignore[attr-defined]
    await chat.start()
    yield chat
    await chat.stop()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def test_personas_and_chats(webchat: WebChat, http: aiohttp.ClientSession) -> None:
    async with http.get(f"{webchat.url}api/personas") as response:
        names = [p["name"] for p in (await response.json())["personas"]]
    assert names == ["王晓丽", "李建国"]
    async with http.get(f"{webchat.url}api/chats?persona={BOB}") as response:
        chats = (await response.json())["chats"]
    assert [(c["chat_id"], c["kind"]) for c in chats] == [(BOB, "private"), (GROUP, "group")]


async def test_persona_cannot_read_or_write_other_chats(
    webchat: WebChat, http: aiohttp.ClientSession
) -> None:
    async with http.get(f"{webchat.url}api/messages?persona={ALICE}&chat_id={GROUP}") as r:
        assert r.status == 403
    body = {"persona": ALICE, "chat_id": BOB, "text": "hi"}
    async with http.post(f"{webchat.url}api/send", json=body) as r:
        assert r.status == 403
        assert (await r.json())["error"] == "该身份看不到这个会话"


async def test_send_press_and_updates(
    emulator: BotApiEmulator,
    echo_app: Application,
    webchat: WebChat,
    http: aiohttp.ClientSession,
) -> None:
    version = emulator.version
    body = {"persona": ALICE, "chat_id": ALICE, "text": "/start"}
    async with http.post(f"{webchat.url}api/send", json=body) as r:
        sent_id = (await r.json())["message_id"]
    async with http.get(f"{webchat.url}api/updates?since={version}&timeout=5") as r:
        assert (await r.json())["version"] > version
    greeting = await emulator.wait_for_message(ALICE, after_id=sent_id)
    press = {
        "persona": ALICE,
        "chat_id": ALICE,
        "message_id": greeting["message_id"],
        "data": "tip",
    }
    async with http.post(f"{webchat.url}api/press", json=press) as r:
        answer = (await r.json())["answer"]
    assert answer["text"] == ALERT and answer["show_alert"] is True
    async with http.get(f"{webchat.url}api/messages?persona={ALICE}&chat_id={ALICE}") as r:
        views = (await r.json())["messages"]
    assert [(v["outgoing"], v["time"]) for v in views] == [(True, "10:05"), (False, "10:05")]
    assert views[1]["buttons"][0][1] == {"text": "提示", "data": "tip", "url": None}


async def test_upload_photo_and_document(
    emulator: BotApiEmulator, webchat: WebChat, http: aiohttp.ClientSession
) -> None:
    for name, ctype in (("a.png", "image/png"), ("日志.txt", "text/plain")):
        form = aiohttp.FormData()
        form.add_field("persona", str(BOB))
        form.add_field("chat_id", str(GROUP))
        form.add_field("caption", "附件")
        form.add_field("file", b"\x89PNG\r\n\x1a\n" + b"0" * 20, filename=name, content_type=ctype)
        async with http.post(f"{webchat.url}api/upload", data=form) as r:
            assert r.status == 200
    photo, document = emulator.messages(GROUP)
    assert "photo" in photo and document["document"]["file_name"] == "日志.txt"
    file_id = document["document"]["file_id"]
    async with http.get(f"{webchat.url}api/file/{file_id}") as r:
        assert r.status == 200 and r.content_type == "text/plain"


async def test_clock_advance_moves_time_and_runs_due_work(
    webchat: WebChat, http: aiohttp.ClientSession
) -> None:
    async with http.get(f"{webchat.url}api/clock") as r:
        assert (await r.json())["text"] == "2026-11-23 10:05"
    async with http.post(f"{webchat.url}api/clock/advance", json={"minutes": 1440}) as r:
        assert (await r.json())["text"] == "2026-11-24 10:05"
    assert webchat.ticks == [datetime(2026, 11, 24, 2, 5, tzinfo=UTC)]  # type: ignore[attr-defined]
    async with http.post(f"{webchat.url}api/clock/advance", json={"minutes": -5}) as r:
        assert r.status == 400


async def test_stop_releases_page_long_poll(webchat: WebChat, http: aiohttp.ClientSession) -> None:
    async with http.get(f"{webchat.url}api/updates?since=-1") as r:
        version = (await r.json())["version"]
    poll = asyncio.ensure_future(http.get(f"{webchat.url}api/updates?since={version}"))
    await asyncio.sleep(0.2)
    started = time.monotonic()
    await webchat.stop()
    response = await asyncio.wait_for(poll, 1.0)
    assert time.monotonic() - started < 1.0
    response.release()
