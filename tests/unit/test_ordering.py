"""Update ordering: one person's updates in a chat one at a time, in order; other chats are
never starved by one that floods (handlers.ordering)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from telegram import Chat, Message, Update, User

from handlers.ordering import PerChatUpdateProcessor

AT = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def _update(number: int, chat_id: int, user_id: int) -> Update:
    chat = Chat(chat_id, Chat.PRIVATE if chat_id > 0 else Chat.SUPERGROUP)
    return Update(number, message=Message(number, AT, chat, from_user=User(user_id, "人", False),
                                          text=f"消息 {number}"))


class Handled:
    """Handlers that take a few turns of the event loop and note when they run."""

    def __init__(self) -> None:
        self.order: list[tuple[int, int]] = []  # (chat id, update number), as handled
        self.running: dict[tuple[int, int], int] = {}
        self.overlapped: set[tuple[int, int]] = set()

    async def handle(self, update: Update, turns: int = 2) -> None:
        key = (update.effective_chat.id, update.effective_user.id)
        self.running[key] = self.running.get(key, 0) + 1
        if self.running[key] > 1:
            self.overlapped.add(key)
        for _ in range(turns):
            await asyncio.sleep(0)
        self.order.append((update.effective_chat.id, update.update_id))
        self.running[key] -= 1


async def _process(processor: PerChatUpdateProcessor, handled: Handled,
                   updates: list[tuple[Update, int]]) -> None:
    """As PTB's Application does: a task per update, in arrival order."""
    await asyncio.gather(*(asyncio.create_task(processor.process_update(
        update, handled.handle(update, turns))) for update, turns in updates))


async def test_one_persons_updates_run_one_at_a_time_in_arrival_order() -> None:
    handled = Handled()
    processor = PerChatUpdateProcessor(8)
    # the first takes the longest: a processor without the per-chat turn would finish it last
    updates = [(_update(n, 100, 100), 10 - n) for n in range(10)]
    await _process(processor, handled, updates)
    assert handled.order == [(100, n) for n in range(10)]
    assert handled.overlapped == set()


async def test_people_in_one_group_do_not_wait_for_each_other() -> None:
    handled = Handled()
    processor = PerChatUpdateProcessor(8)
    slow, quick = _update(1, -100, 201), _update(2, -100, 202)
    await _process(processor, handled, [(slow, 20), (quick, 1)])
    assert handled.order == [(-100, 2), (-100, 1)]


async def test_a_chat_that_floods_does_not_starve_another() -> None:
    """One person sends 300 updates at once, then someone else one: that one is handled
    among the first few, not after the flood; the flood is cut at the per-chat limit and
    its sender is told once."""
    handled, told = Handled(), []

    async def tell(update: Update) -> None:
        told.append(update.update_id)

    processor = PerChatUpdateProcessor(4, max_queued_per_chat=50, tell=tell)
    flood = [(_update(n, 100, 100), 2) for n in range(300)]
    await _process(processor, handled, [*flood, (_update(1000, 200, 200), 2)])
    assert handled.order.index((200, 1000)) <= 2
    assert [n for chat, n in handled.order if chat == 100] == list(range(50))
    assert told == [50]


async def test_the_flood_of_one_person_leaves_the_slots_to_others() -> None:
    """Measured by order, below the per-chat limit: with 4 slots and 40 updates of one
    chat waiting, the other chat's update is still handled at once."""
    handled = Handled()
    processor = PerChatUpdateProcessor(4)
    flood = [(_update(n, 100, 100), 2) for n in range(40)]
    await _process(processor, handled, [*flood, (_update(1000, 200, 200), 2)])
    assert handled.order.index((200, 1000)) <= 2
    assert len(handled.order) == 41
