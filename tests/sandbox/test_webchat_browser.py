"""The sandbox web page in a real headless Chromium, driving an echo bot through the emulator."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from playwright.async_api import Page, async_playwright, expect
from telegram.ext import Application

from bot.clock import AdjustableClock
from bot.sandbox import BotApiEmulator, Persona, WebChat
from tests.sandbox.conftest import ALERT, ALICE, BOB, CONFIRMED, GROUP

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOT = "/tmp/webchat.png"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM), reason=f"needs Debian's chromium at {CHROMIUM}"
    ),
]

PERSONAS = [
    Persona(ALICE, "王晓丽", "报修人 · 财政局办公室", [(ALICE, "政务运维服务台")]),
    Persona(
        BOB,
        "李建国",
        "工程师 · 基础设施运维组",
        [(BOB, "政务运维服务台"), (GROUP, "基础设施运维组")],
    ),
]


@pytest.fixture
def clock() -> AdjustableClock:
    # Monday 2026-11-23 10:05 in Beijing.
    return AdjustableClock(datetime(2026, 11, 23, 2, 5, tzinfo=UTC), frozen=True)


@pytest.fixture
def emulator_clock(clock: AdjustableClock) -> AdjustableClock:
    return clock


@pytest.fixture
def advanced() -> list[datetime]:
    return []


@pytest.fixture
async def page(
    emulator: BotApiEmulator,
    echo_app: Application,
    clock: AdjustableClock,
    advanced: list[datetime],
) -> AsyncIterator[Page]:
    async def on_clock_advanced() -> None:
        advanced.append(clock.now())

    webchat = WebChat(emulator, PERSONAS, clock, on_clock_advanced)
    await webchat.start()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        context = await browser.new_context(viewport={"width": 1280, "height": 760})
        tab = await context.new_page()
        await tab.goto(webchat.url)
        yield tab
        await context.close()
        await browser.close()
    await webchat.stop()


async def test_chat_button_and_clock(page: Page, advanced: list[datetime]) -> None:
    personas = page.get_by_test_id("persona-item")
    await expect(personas).to_have_count(2)
    await expect(personas.first).to_contain_text("报修人 · 财政局办公室")
    await page.locator('[data-testid="persona-item"][data-persona-id="1001"]').click()
    await expect(page.get_by_test_id("chat-item")).to_have_count(1)

    box = page.get_by_test_id("message-input")
    await box.fill("/start")
    await box.press("Enter")
    bot_message = page.locator('[data-testid="message"][data-from-bot="true"]').last
    await expect(bot_message).to_contain_text("你好，这里是政务运维服务台。")
    await expect(bot_message.locator("strong")).to_have_text("你好")

    await bot_message.locator('[data-testid="inline-button"][data-callback-data="tip"]').click()
    await expect(page.get_by_test_id("alert-dialog")).to_contain_text(ALERT)
    await page.get_by_test_id("alert-ok").click()
    await bot_message.locator('[data-testid="inline-button"][data-callback-data="ok"]').click()
    await expect(bot_message).to_contain_text(CONFIRMED)
    await expect(bot_message).to_contain_text("已编辑")
    await expect(bot_message.get_by_test_id("inline-button")).to_have_count(0)

    await box.fill("打印机卡纸了，<b>急</b>")
    await page.get_by_test_id("send-button").click()
    echo = page.locator('[data-testid="message"][data-from-bot="true"]').last
    await expect(echo).to_contain_text("echo: 打印机卡纸了，<b>急</b>")

    desk_time = page.get_by_test_id("desk-time")
    await expect(desk_time).to_have_text("桌面时间 2026-11-23 10:05 (北京时间)")
    await page.get_by_test_id("clock-advance-2h").click()
    await expect(desk_time).to_have_text("桌面时间 2026-11-23 12:05 (北京时间)")
    assert advanced == [datetime(2026, 11, 23, 4, 5, tzinfo=UTC)]
    await page.screenshot(path=SCREENSHOT)


async def test_group_chat_and_reply(page: Page, emulator: BotApiEmulator) -> None:
    await page.locator('[data-testid="persona-item"][data-persona-id="1002"]').click()
    await page.locator(f'[data-testid="chat-item"][data-chat-id="{GROUP}"]').click()
    box = page.get_by_test_id("message-input")
    await box.fill("机房空调告警")
    await box.press("Enter")
    mine = page.locator('[data-testid="message"][data-direction="out"]').first
    await expect(mine).to_contain_text("机房空调告警")
    reply = page.locator('[data-testid="message"][data-from-bot="true"]').last
    await expect(reply).to_contain_text("echo: 机房空调告警")
    await reply.locator(".bubble").click()
    await expect(page.get_by_test_id("reply-preview")).to_contain_text("echo: 机房空调告警")
    await box.fill("收到")
    await box.press("Enter")
    await expect(
        page.locator('[data-testid="message"][data-direction="out"]').last
    ).to_contain_text("收到")
    await expect(page.get_by_test_id("reply-preview")).to_be_hidden()
    sent = [m for m in emulator.messages(GROUP) if m.get("text") == "收到"]
    assert sent and sent[0]["reply_to_message"]["text"] == "echo: 机房空调告警"
