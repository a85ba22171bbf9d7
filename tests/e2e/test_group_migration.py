"""A team's group upgraded to a supergroup (its chat id changes): the team's cards follow it,
whether the bot hears it from Telegram's service message or from a send that fails with
ChatMigrated; the database keeps the new id across restarts; `govdesk doctor` asks for the
config to be updated."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from sqlalchemy import select

from bot.desk import Desk
from bot.doctor import check_group_migrations
from bot.models import Team
from tests.e2e.test_work import submit_ticket
from tests.support.factories import make_desk
from tests.support.sandbox import Chatter, running_bot, telegram

LEAD, INFRA_GROUP, SUPERGROUP = 2001, -1001, -1001000000001


def team_chat(desk: Desk, code: str = "infra") -> int | None:
    with desk.sessions.begin() as session:
        return session.scalar(select(Team.chat_id).where(Team.code == code))


async def until(check: Callable[[], bool], timeout: float = 8.0) -> None:
    async with asyncio.timeout(timeout):
        while not check():
            await asyncio.sleep(0.02)


def refused_sends(chat: Chatter, chat_id: int) -> int:
    """Sends to `chat_id` that Telegram refused (the group had been upgraded)."""
    return sum(1 for call in chat.emulator.calls_to("sendMessage")
               if call.params.get("chat_id") == chat_id and call.status == 400)


async def test_the_service_message_moves_the_team_before_any_send_fails(desk: Desk) -> None:
    async with running_bot(desk) as chat:
        chat.emulator.upgrade_group(INFRA_GROUP, SUPERGROUP, by_user_id=LEAD)
        await until(lambda: team_chat(desk) == SUPERGROUP)
        _, card = await submit_ticket_to(chat, SUPERGROUP)
        assert "认领" in str(card["reply_markup"])
        assert refused_sends(chat, INFRA_GROUP) == 0
    again = make_desk(desk.settings)  # a restart: the config still names the old group
    try:
        assert team_chat(again) == SUPERGROUP
    finally:
        again.close()
    [warning] = check_group_migrations(desk.settings)
    assert warning.warning and warning.ok
    assert warning.text == ("支持组 基础设施运维组 的群已升级为超级群，"
                            f"新 ID {SUPERGROUP}，请更新配置")
    assert f"由 {INFRA_GROUP} 改为 {SUPERGROUP}" in warning.advice


async def test_a_send_refused_with_chat_migrated_moves_the_team_and_its_messages(
        desk: Desk) -> None:
    async with telegram(desk) as emulator:
        emulator.upgrade_group(INFRA_GROUP, SUPERGROUP, by_user_id=LEAD)
        emulator.state.updates.clear()  # the bot never saw the service messages
        async with running_bot(desk, emulator) as chat:
            first, _ = await submit_ticket_to(chat, SUPERGROUP)
            assert refused_sends(chat, INFRA_GROUP) == 1
            assert team_chat(desk) == SUPERGROUP
            second, _ = await submit_ticket_to(chat, SUPERGROUP, "打印机卡纸，无法打印")
            assert refused_sends(chat, INFRA_GROUP) == 1  # the next card went straight there
            assert first != second


async def test_a_card_in_the_old_group_is_posted_anew_in_the_supergroup(desk: Desk) -> None:
    async with telegram(desk) as emulator:
        async with running_bot(desk, emulator) as chat:
            number, card = await submit_ticket(chat)
            emulator.upgrade_group(INFRA_GROUP, SUPERGROUP, by_user_id=LEAD)
            emulator.state.updates.clear()  # heard only from the failing edit
            answer, _ = await chat.press(LEAD, card, "认领", wait_reply=False)
            assert "认领成功" in answer["text"]
            moved = await emulator.wait_for_message(SUPERGROUP,
                                                    lambda m: "由 李工 认领" in m["text"])
            assert number in moved["text"]
            assert team_chat(desk) == SUPERGROUP


async def submit_ticket_to(chat: Chatter, group: int,
                           text: str = "机房交换机告警，整层断网") -> tuple[str, dict]:
    """Report a fault; return its number and its card, which must arrive in `group`."""
    from tests.e2e.test_report import walk_to_summary

    summary = await walk_to_summary(chat, 1001, text)
    last = chat.last_id(group)
    _, done = await chat.press(1001, summary, "确认提交")
    card = await chat.emulator.wait_for_message(group, after_id=last)
    return done["text"], card
