"""The sandbox page in a real Chromium, driving the real bot: the `govdesk demo` composition."""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.async_api import Page, async_playwright, expect

from bot.clock import AdjustableClock
from bot.sandbox.demo import Sandbox, sandbox
from tests.support.sandbox import polling

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
REPORTER, TECH, INFRA_GROUP = 1101, 2001, -1001001

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM),
                       reason=f"needs Debian's chromium at {CHROMIUM}"),
]


@pytest.fixture
async def demo(tmp_path: Path) -> AsyncIterator[Sandbox]:
    clock = AdjustableClock(datetime(2026, 11, 23, 2, 5, tzinfo=UTC))  # Monday 10:05 Beijing
    async with sandbox(tmp_path / "data", clock=clock) as running:
        async with polling(running.application):
            yield running


@pytest.fixture
async def page(demo: Sandbox) -> AsyncIterator[Page]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        tab = await browser.new_page(viewport={"width": 1280, "height": 800})
        await tab.goto(demo.webchat.url)
        yield tab
        await browser.close()


async def choose(page: Page, persona: int, chat: int) -> None:
    await page.locator(f'[data-testid="persona-item"][data-persona-id="{persona}"]').click()
    await page.locator(f'[data-testid="chat-item"][data-chat-id="{chat}"]').click()


async def send(page: Page, text: str) -> None:
    await page.get_by_test_id("message-input").fill(text)
    await page.get_by_test_id("send-button").click()


async def test_report_from_the_page_and_claim_it_in_the_group(page: Page) -> None:
    await choose(page, REPORTER, REPORTER)
    await send(page, "/start")
    bot_says = page.locator('[data-testid="message"][data-from-bot="true"]')
    await expect(bot_says.last).to_contain_text("王芳")
    await send(page, "/report")
    await expect(bot_says.last).to_contain_text("服务分类")
    await bot_says.last.get_by_test_id("inline-button").filter(has_text="网络系统").click()
    await expect(bot_says.last).to_contain_text("描述问题")
    await send(page, "财政局三楼整层无法上网")
    await bot_says.last.get_by_test_id("inline-button").filter(has_text="部门").click()
    await expect(bot_says.last).to_contain_text("紧急程度")
    await bot_says.last.get_by_test_id("inline-button").filter(has_text="业务中断").click()
    await expect(bot_says.last).to_contain_text(re.compile("请确认报修信息|知识库"))
    need = bot_says.last.get_by_test_id("inline-button").filter(has_text="仍需报修")
    if await need.count():
        await need.click()
    await expect(bot_says.last).to_contain_text("请确认报修信息")
    await bot_says.last.get_by_test_id("inline-button").filter(has_text="确认提交").click()
    await expect(bot_says.last).to_contain_text("报修已提交")

    await choose(page, TECH, INFRA_GROUP)
    card = bot_says.filter(has_text="财政局三楼整层无法上网").last
    await expect(card).to_be_visible()
    await card.get_by_test_id("inline-button").filter(has_text="认领").click()
    await expect(card).to_contain_text("由 李工 认领")
    await page.screenshot(path="/tmp/demo-claimed.png")


async def test_clock_control_moves_desk_time(page: Page) -> None:
    desk_time = page.get_by_test_id("desk-time")
    await expect(desk_time).to_contain_text("10:0")
    await page.get_by_test_id("clock-advance-2h").click()
    await expect(desk_time).to_contain_text("12:0")
