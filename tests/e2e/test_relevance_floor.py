"""The bot says when nothing relevant is known, instead of showing unrelated articles."""

from __future__ import annotations

from bot.desk import Desk
from tests.e2e.test_ask import VPN_BODY, publish
from tests.support.sandbox import running_bot

REPORTER = 1001


async def test_an_unrelated_question_gets_nothing_found_and_the_report_button(desk: Desk) -> None:
    publish(desk, "VPN 连接不上怎么办", VPN_BODY, ["VPN", "远程办公"])
    question = "公积金客户端的年度结算明细单去哪里领"
    with desk.sessions.begin() as session:
        assert desk.knowledge.search(session, question, log=False, floor=0.0)
    async with running_bot(desk) as chat:
        related = await chat.say(REPORTER, "vpn 客户端连接超时")
        assert "VPN 连接不上怎么办" in related["text"]
        answer = await chat.say(REPORTER, question)
        assert "没有找到" in answer["text"]
        _, step = await chat.press(REPORTER, answer, "🛠 我要报修")
        assert "服务分类" in step["text"]
