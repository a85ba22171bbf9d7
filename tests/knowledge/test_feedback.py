"""Views, 有帮助/没帮助, deflections, the gap list and stats."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.clock import AdjustableClock
from knowledge import KnowledgeBase
from tests.knowledge.conftest import MakeArticle


def test_gaps_group_unanswered_and_unhelpful_questions(
    kb: KnowledgeBase,
    sessions: sessionmaker[Session],
    clock: AdjustableClock,
    publish: MakeArticle,
) -> None:
    publish("打印机无法打印", "检查打印队列。", key="printer")
    with sessions.begin() as session:
        kb.search(session, "扫描仪怎么用？", asker_id=1)
        kb.search(session, "请问扫描仪怎么用", asker_id=2)
        clock.advance(timedelta(minutes=5))
        kb.search(session, "投影仪没有信号", asker_id=3)
        clock.advance(timedelta(minutes=5))
        kb.search(session, "打印机", asker_id=4)
        kb.record_feedback(session, "printer", False, 4, "打印机 卡纸")
        kb.record_feedback(session, "printer", True, 5, "打印机")
        gaps = kb.gaps(session)
    assert [(g.normalized, g.count) for g in gaps] == [
        ("扫描仪", 2),
        ("打印机 卡纸", 1),
        ("投影仪 信号", 1),
    ]
    assert gaps[0].no_result == 2 and gaps[1].unhelpful == 1
    assert gaps[1].last_asked == clock.now()


def test_views_feedback_and_deflections_are_counted(
    kb: KnowledgeBase, sessions: sessionmaker[Session], publish: MakeArticle
) -> None:
    publish("打印机无法打印", "检查打印队列。", key="printer")
    with sessions.begin() as session:
        kb.record_view(session, "printer", 1)
        kb.record_view(session, "printer", 2)
        kb.record_feedback(session, "printer", True, 1)
        kb.record_feedback(session, "printer", False, 2, "打印机")
        kb.record_deflection(session, "printer", 1, "打印机打不出来")
        stats = kb.stats(session)
        article = kb.get(session, "printer")
        counts = (article.views, article.helpful, article.unhelpful, article.deflections)
    assert counts == (2, 1, 1, 1)
    assert stats.by_status["published"] == 1 and stats.total == 1
    assert (stats.views, stats.deflections, stats.indexed) == (2, 1, 1)
    assert stats.most_viewed == [("printer", "打印机无法打印", 2)]
