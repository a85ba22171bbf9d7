"""DeskRateLimiter: Telegram's 30 messages a second, with room kept for direct replies."""

from __future__ import annotations

import asyncio

from bot.telegram_http import BACKGROUND, DeskRateLimiter


async def send(limiter: DeskRateLimiter, chat_id: int, kind: str | None) -> str:
    async def callback() -> str:
        return "sent"

    return await limiter.process_request(callback, (), {}, "sendMessage",
                                         {"chat_id": chat_id}, kind)


async def test_background_messages_leave_room_for_replies() -> None:
    limiter = DeskRateLimiter()
    for i in range(10):  # a burst of notifications takes its 10 places at once
        assert await send(limiter, 1000 + i, BACKGROUND) == "sent"
    waiting = asyncio.ensure_future(send(limiter, 2000, BACKGROUND))
    await asyncio.sleep(0.005)
    assert not waiting.done()  # the 11th waits for the bucket to drain …
    for i in range(19):  # … while 20 people's replies still go at once
        assert await asyncio.wait_for(send(limiter, 3000 + i, None), 0.005) == "sent"
    waiting.cancel()


async def test_replies_too_keep_to_thirty_a_second() -> None:
    limiter = DeskRateLimiter()
    for i in range(30):
        await asyncio.wait_for(send(limiter, 1000 + i, None), 0.01)
    waiting = asyncio.ensure_future(send(limiter, 2000, None))
    await asyncio.sleep(0.005)
    assert not waiting.done()
    assert await asyncio.wait_for(waiting, 0.2) == "sent"  # 1/30 s later
