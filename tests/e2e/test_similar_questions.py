"""Similar questions from the desk: a 有帮助 press proposes the question for its article."""

from __future__ import annotations

from bot.desk import Desk
from tests.e2e.test_ask import VPN_BODY, hit_number, publish
from tests.support.sandbox import running_bot

REPORTER = 1001


async def test_a_helpful_press_proposes_the_question(desk: Desk) -> None:
    key = publish(desk, "VPN 连接不上怎么办", VPN_BODY, ["VPN", "远程办公"])
    async with running_bot(desk) as chat:
        answer = await chat.say(REPORTER, "vpn 客户端老是连接超时")
        number = hit_number(answer, "VPN 连接不上怎么办")
        data = answer["reply_markup"]["inline_keyboard"][number - 1][1]["callback_data"]
        await chat.press_data(REPORTER, REPORTER, answer["message_id"], data)
    with desk.sessions.begin() as session:
        proposals = desk.knowledge.question_proposals(session)
        assert [(p.article.key, p.text, p.source) for p in proposals] == [
            (key, "vpn 客户端老是连接超时", "helpful")
        ]
