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


MANAGER = 4001
GAP = "远程接入总是握手失败"


async def test_a_manager_attaches_a_gap_question_and_it_is_found(desk: Desk) -> None:
    publish(desk, "VPN 连接不上怎么办", VPN_BODY, ["VPN", "远程办公"])
    async with running_bot(desk) as chat:
        await chat.say(REPORTER, GAP)
        gaps = await chat.say(MANAGER, "/kb_gaps")
        assert GAP in gaps["text"]
        _, ask = await chat.press(MANAGER, gaps, "归入文章 1")
        assert GAP in ask["text"]
        picks = await chat.say(MANAGER, "vpn 客户端")
        _, done = await chat.press(MANAGER, picks, "VPN 连接不上怎么办")
        assert "已把" in done["text"] and GAP in done["text"]
        found = await chat.say(REPORTER, GAP)
        assert "VPN 连接不上怎么办" in found["text"]


async def test_a_manager_accepts_a_proposal_and_others_cannot(desk: Desk) -> None:
    key = publish(desk, "VPN 连接不上怎么办", VPN_BODY, ["VPN", "远程办公"])
    with desk.sessions.begin() as session:
        desk.knowledge.record_deflection(session, key, None, GAP)
    async with running_bot(desk) as chat:
        listed = await chat.say(MANAGER, "/kb_questions")
        assert GAP in listed["text"] and "问题已解决" in listed["text"]
        data = listed["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        own = await chat.say(REPORTER, "/help")
        refused = await chat.press_data(REPORTER, REPORTER, own["message_id"], data)
        assert refused["show_alert"] and "无权操作" in refused["text"]
        assert "无权操作" in (await chat.say(REPORTER, "/kb_questions"))["text"]
        _, accepted = await chat.press(MANAGER, listed, "采纳")
        assert "已采纳" in accepted["text"]
        forged = await chat.press_data(MANAGER, MANAGER, listed["message_id"], "kq:ok:x")
        assert "失效" in forged["text"]
        found = await chat.say(REPORTER, GAP)
        assert "VPN 连接不上怎么办" in found["text"]
