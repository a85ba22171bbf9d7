"""The relevance floor: when no article covers enough of the question, nothing is shown."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from knowledge import RELEVANCE_FLOOR, KnowledgeBase
from knowledge.query import concepts_of
from knowledge.ranking import unknown_weight
from tests.knowledge.conftest import MakeArticle, keys

ARTICLES = {
    "printer": ("打印机无法打印怎么办", "检查打印队列，取消卡住的任务；卡纸时打开盖板取出纸张。"),
    "network": ("电脑上不了网怎么办", "先看网线和网口指示灯，再执行 ipconfig 查看 IP 地址。"),
    "leave": ("请假系统登录失败", "请假系统的账号与门户一致；登录失败时先重置门户密码。"),
    "ipconfig": ("ipconfig", "显示本机的网络配置。"),
}


@pytest.fixture
def three_articles(publish: MakeArticle, kb: KnowledgeBase) -> None:
    kb.relevance_floor = RELEVANCE_FLOOR  # as the desk opens it (bot/desk.py)
    for key, (title, body) in ARTICLES.items():
        publish(title, body, key=key)


def _search(kb: KnowledgeBase, sessions: sessionmaker[Session], text: str, **kwargs):
    with sessions.begin() as session:
        return kb.search(session, text, limit=3, log=False, **kwargs)


@pytest.mark.usefixtures("three_articles")
def test_a_question_mostly_about_unknown_things_finds_nothing(
    kb: KnowledgeBase, sessions: sessionmaker[Session]
) -> None:
    # Only 系统 is known: the article about the leave system is not an answer to this.
    question = "公积金缴存系统的年度结算明细单在哪里下载"
    assert _search(kb, sessions, question) == []
    assert keys(_search(kb, sessions, question, floor=0.0)) == ["leave"]


@pytest.mark.usefixtures("three_articles")
def test_questions_the_articles_answer_still_find_them(
    kb: KnowledgeBase, sessions: sessionmaker[Session]
) -> None:
    assert keys(_search(kb, sessions, "打印机打印不了，很着急"))[0] == "printer"
    assert keys(_search(kb, sessions, "请假系统登录不上"))[0] == "leave"
    hit = _search(kb, sessions, "电脑上不了网")[0]
    assert hit.key == "network" and hit.relevance == pytest.approx(1.0)


@pytest.mark.usefixtures("three_articles")
def test_a_question_naming_a_title_is_relevant_whatever_else_it_says(
    kb: KnowledgeBase, sessions: sessionmaker[Session]
) -> None:
    question = "ipconfig 和公积金缴存年度结算明细有什么关系"
    assert keys(_search(kb, sessions, question)) == ["ipconfig"]


def test_unknown_concepts_weigh_as_much_as_the_weightiest_known_one() -> None:
    concepts = concepts_of("公积金 结算 系统", None)
    assert unknown_weight(concepts, [0.0, 0.0, 2.5]) == pytest.approx(5.0)
    assert unknown_weight(concepts, [1.0, 2.0, 2.5]) == 0.0
