"""Knowledge managers in chat: write, review, publish, reject, retire, gaps; role checks."""

from __future__ import annotations

from bot.desk import Desk
from tests.support.sandbox import running_bot

MANAGER, REPORTER = 4001, 1001


async def test_write_submit_review_publish(desk: Desk) -> None:
    async with running_bot(desk) as chat:
        step = await chat.say(MANAGER, "/kb_new")
        assert "标题" in step["text"]
        step = await chat.say(MANAGER, "打印机脱机怎么处理")
        assert "正文" in step["text"]
        step = await chat.say(MANAGER, "# 处理步骤\n\n1. 检查电源\n2. 在设置中取消**脱机使用**")
        assert "标签" in step["text"]
        step = await chat.say(MANAGER, "打印机，脱机")
        _, preview = await chat.press(MANAGER, step, "终端与办公设备")
        assert "预览" in preview["text"] and "脱机使用" in preview["text"]
        _, done = await chat.press(MANAGER, preview, "提交审核")
        key = done["text"].split("文章 ")[1].split(" ")[0]
        reporter_sees = await chat.say(REPORTER, "打印机脱机")
        assert "打印机脱机怎么处理" not in reporter_sees["text"]
        listing = await chat.say(MANAGER, "/kb_review")
        assert "打印机脱机怎么处理" in listing["text"]
        _, approved = await chat.press(MANAGER, listing, "通过")
        assert "已发布" in approved["text"]
        reporter_sees = await chat.say(REPORTER, "打印机脱机了")
        assert "打印机脱机怎么处理" in reporter_sees["text"]
        confirm = await chat.say(MANAGER, f"/kb_retire {key}")
        _, retired = await chat.press(MANAGER, confirm, "确认下线")
        assert "已下线" in retired["text"]
        reporter_sees = await chat.say(REPORTER, "打印机脱机了")
        assert "打印机脱机怎么处理" not in reporter_sees["text"]


async def test_reject_tells_the_author_and_edit_keeps_versions(desk: Desk) -> None:
    with desk.sessions.begin() as session:
        from bot.people import find_by_telegram_id

        author = find_by_telegram_id(session, 2001).id
        article = desk.knowledge.create_draft(session, title="交换机重启", body="重启即可",
                                              tags=[], category=None, author_id=author)
        desk.knowledge.submit_for_review(session, article.key, author)
        key = article.key
    async with running_bot(desk) as chat:
        listing = await chat.say(MANAGER, "/kb_review")
        _, ask = await chat.press(MANAGER, listing, "退回")
        assert "退回" in ask["text"]
        last = chat.last_id(2001)
        done = await chat.say(MANAGER, "请补充重启前的检查步骤")
        assert "已退回" in done["text"]
        told = await chat.emulator.wait_for_message(2001, after_id=last)
        assert "请补充重启前的检查步骤" in told["text"]
        menu = await chat.say(MANAGER, f"/kb_edit {key}")
        _, ask = await chat.press(MANAGER, menu, "正文")
        edited = await chat.say(MANAGER, "先检查告警日志，再在业务低峰期重启。")
        assert "第 2 版" in edited["text"]


async def test_only_knowledge_managers(desk: Desk) -> None:
    async with running_bot(desk) as chat:
        for command in ("/kb_new", "/kb_review", "/kb_gaps", "/kb_edit x", "/kb_retire x"):
            answer = await chat.say(REPORTER, command)
            assert "无权操作" in answer["text"], command
        msg = await chat.say(REPORTER, "/help")
        answer = await chat.press_data(REPORTER, REPORTER, msg["message_id"], "km:ok:1")
        assert answer["show_alert"] and "无权操作" in answer["text"]


async def test_gaps_rank_unanswered_questions(desk: Desk) -> None:
    async with running_bot(desk) as chat:
        for _ in range(2):
            await chat.say(REPORTER, "火星基地氧气循环泵")
        await chat.say(REPORTER, "月球车轮胎气压")
        gaps = await chat.say(MANAGER, "/kb_gaps")
        assert "火星基地氧气循环泵" in gaps["text"] and "共 2 次" in gaps["text"]
        assert gaps["text"].index("火星") < gaps["text"].index("月球")
