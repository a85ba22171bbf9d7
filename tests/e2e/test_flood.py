"""One person floods the bot with 300 updates: another person is still answered among the
first, the flood is cut at the per-chat limit and its sender is told once (handlers.ordering,
through the real bot and PTB's Application)."""

from __future__ import annotations

from bot.desk import Desk
from handlers.ordering import MAX_QUEUED_PER_CHAT
from handlers.renderers.common import TOO_BUSY
from tests.e2e.test_outbox import until
from tests.support.sandbox import running_bot, telegram

FLOODER, OTHER, SENT = 1001, 1002, 300


async def test_a_flood_is_cut_and_does_not_hold_up_another_chat(desk: Desk) -> None:
    async with telegram(desk) as emulator:
        # queued while the bot is not polling: its first polls bring them all at once
        for _ in range(SENT):
            await emulator.send_text(FLOODER, FLOODER, "/help")
        await emulator.send_text(OTHER, OTHER, "/help")
        async with running_bot(desk, emulator) as chat:
            await until(lambda: len(chat.bot_messages(FLOODER)) > MAX_QUEUED_PER_CHAT
                        and len(chat.bot_messages(OTHER)) == 1, timeout=30)
            await chat.application.update_queue.join()  # every update taken or dropped
            answers = [m for m in emulator.state.transcripts[FLOODER] if m.from_bot]
            assert sum(1 for m in answers if m.message.get("text") == TOO_BUSY) == 1
            assert len(answers) < SENT / 2  # cut, not answered 300 times
            other = next(m for m in emulator.state.transcripts[OTHER] if m.from_bot)
            # measured by order: the other chat did not wait for the flood
            assert sum(1 for m in answers if m.changed_at < other.changed_at) <= 10
