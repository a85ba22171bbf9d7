"""Editing a ticket's card when Telegram fails: retried, never a second live card."""

from __future__ import annotations

from bot.desk import Desk
from handlers.card_sync import REFRESHER_KEY
from tests.e2e.test_work import INFRA_GROUP, LEAD, TECH, submit_ticket
from tests.support.sandbox import Chatter, running_bot


def cards(chat: Chatter) -> list[dict]:
    return [m for m in chat.bot_messages(INFRA_GROUP) if "认领" in m["text"] + str(
        m.get("reply_markup"))]


async def test_a_passing_failure_of_an_edit_is_retried_not_answered_with_a_new_card(
        desk: Desk) -> None:
    async with running_bot(desk) as chat:
        chat.application.bot_data[REFRESHER_KEY].retry_first = 0.05
        _, card = await submit_ticket(chat)
        chat.emulator.faults.fail_next("editMessageText", 1, "502")
        chat.emulator.faults.fail_next("editMessageText", 1, "timeout")
        chat.emulator.faults.timeout_hold = 0.1
        answer, _ = await chat.press(LEAD, card, "认领", wait_reply=False)
        assert "认领成功" in answer["text"]
        edited = await chat.emulator.wait_for_message(
            INFRA_GROUP, lambda m: "由 李工 认领" in m["text"], timeout=8)
        assert edited["message_id"] == card["message_id"]  # the same card, edited
        assert chat.emulator.faults.injected == [("editMessageText", "502"),
                                                 ("editMessageText", "timeout")]
        assert len(cards(chat)) == 1


async def test_a_card_that_cannot_be_edited_is_posted_anew_and_the_old_one_is_dead(
        desk: Desk) -> None:
    async with running_bot(desk) as chat:
        _, card = await submit_ticket(chat)
        old = chat.emulator.state.find(INFRA_GROUP, card["message_id"])
        old.from_bot = False  # Telegram: "message can't be edited"
        answer, _ = await chat.press(LEAD, card, "认领", wait_reply=False)
        assert "认领成功" in answer["text"]
        fresh = await chat.emulator.wait_for_message(
            INFRA_GROUP, lambda m: "由 李工 认领" in m["text"], timeout=8)
        assert fresh["message_id"] != card["message_id"]
        answer, _ = await chat.press(TECH, card, "认领", wait_reply=False)
        assert "卡片已失效" in answer["text"]
