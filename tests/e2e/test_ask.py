"""Asking the knowledge base in chat: answers, full articles in pages, feedback, drafts."""

from __future__ import annotations

from bot.desk import Desk
from tests.support.sandbox import running_bot

REPORTER, MANAGER = 1001, 4001
VPN_BODY = ("## 现象\n\nVPN 客户端提示连接超时。\n\n## 解决方法\n\n"
            "1. 检查网络\n2. 重新登录 **VPN** 客户端\n")


def publish(desk: Desk, title: str, body: str, tags: list[str]) -> str:
    with desk.sessions.begin() as session:
        article = desk.knowledge.create_draft(session, title=title, body=body, tags=tags,
                                              category="network", author_id=None)
        key = article.key
        desk.knowledge.submit_for_review(session, key, None)
        desk.knowledge.approve(session, key, None)
    return key


def hit_number(answer: dict, title: str) -> int:
    """The position of the article titled `title` in an answer's list of hits."""
    for line in answer["text"].splitlines():
        number, _, rest = line.partition(". ")
        if number.isdigit() and rest.strip() == title:
            return int(number)
    raise AssertionError(f"{title!r} not among the hits: {answer['text']}")


def draft(desk: Desk, title: str, body: str) -> str:
    with desk.sessions.begin() as session:
        return desk.knowledge.create_draft(session, title=title, body=body, tags=[],
                                           category=None, author_id=None).key


async def test_a_question_gets_articles_and_feedback_counts(desk: Desk) -> None:
    key = publish(desk, "VPN 连接不上怎么办", VPN_BODY, ["VPN", "远程办公"])
    async with running_bot(desk) as chat:
        answer = await chat.say(REPORTER, "vpn连不上了怎么办")
        number = hit_number(answer, "VPN 连接不上怎么办")
        _, article = await chat.press(REPORTER, answer, f"📄 {number}.")
        assert "重新登录 VPN 客户端" in article["text"]
        data = answer["reply_markup"]["inline_keyboard"][number - 1][2]["callback_data"]
        feedback = await chat.press_data(REPORTER, REPORTER, answer["message_id"], data)
        assert "感谢反馈" in feedback["text"]
    with desk.sessions.begin() as session:
        stored = desk.knowledge.get(session, key)
        assert (stored.views, stored.unhelpful) == (1, 1)
        gaps = desk.knowledge.gaps(session)
    assert any("vpn" in gap.question.lower() for gap in gaps)


async def test_nothing_found_offers_a_report(desk: Desk) -> None:
    async with running_bot(desk) as chat:
        answer = await chat.say(REPORTER, "火星基地氧气循环泵")
        assert "没有找到" in answer["text"]
        _, step = await chat.press(REPORTER, answer, "🛠 我要报修")
        assert "服务分类" in step["text"]


async def test_query_syntax_and_huge_questions_never_break(desk: Desk) -> None:
    publish(desk, "打印机卡纸处理", "打开前盖，取出卡住的纸张。", ["打印机"])
    async with running_bot(desk) as chat:
        for question in ('AND (OR "', "*", "~", "title:打印机 OR", "打印机" * 5000):
            answer = await chat.say(REPORTER, question)
            assert "系统繁忙" not in answer["text"]


async def test_long_articles_come_in_pages(desk: Desk) -> None:
    body = "\n\n".join(f"第 {i} 段：" + "检查网线连接并重启交换机。" * 20 for i in range(40))
    publish(desk, "网络故障排查大全", body, ["网络"])
    async with running_bot(desk) as chat:
        answer = await chat.say(REPORTER, "网络故障排查大全")
        number = hit_number(answer, "网络故障排查大全")
        _, article = await chat.press(REPORTER, answer, f"📄 {number}.")
        assert "（第 1/" in article["text"] and len(article["text"]) <= 4096
        version = chat.emulator.chat_version(REPORTER)
        await chat.press(REPORTER, article, "下一页", wait_reply=False)
        page2 = await chat.emulator.wait_for_message(REPORTER, since_version=version)
        assert "（第 2/" in page2["text"]


async def test_drafts_are_seen_only_by_knowledge_managers(desk: Desk) -> None:
    draft(desk, "OA 系统登录失败", "清除浏览器缓存后重试。")
    async with running_bot(desk) as chat:
        answer = await chat.say(REPORTER, "OA 系统登录失败")
        assert "没有找到" in answer["text"]  # the draft is not offered to a reporter
        answer = await chat.say(REPORTER, "/kb")
        assert "用法" in answer["text"]


async def test_forged_article_buttons(desk: Desk) -> None:
    key = draft(desk, "内部草稿", "不应被看到")
    async with running_bot(desk) as chat:
        msg = await chat.say(REPORTER, "/help")
        with desk.sessions.begin() as session:
            article_id = desk.knowledge.get(session, key).id
        for data in (f"kb:view:{article_id}:0", "kb:view:999999:0", "kb:view:x:0", "kb:up:-1"):
            answer = await chat.press_data(REPORTER, REPORTER, msg["message_id"], data)
            assert answer["show_alert"] and "不存在" in answer["text"]
