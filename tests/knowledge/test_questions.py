"""Similar questions (相似问法): attached, proposed from feedback, imported, searched."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from knowledge import InvalidArticle, KnowledgeBase, KnowledgeError
from tests.knowledge.conftest import MakeArticle, keys

ASKED = "公文流转平台的待办一直转圈"


@pytest.fixture
def articles(publish: MakeArticle) -> None:
    publish("OA 系统页面加载缓慢", "清除浏览器缓存后重新登录 OA。", key="oa")
    publish("打印机无法打印怎么办", "检查打印队列，取消卡住的任务。", key="printer")


def _search(kb: KnowledgeBase, sessions: sessionmaker[Session], text: str) -> list[str]:
    with sessions.begin() as session:
        return keys(kb.search(session, text, limit=3, log=False))


@pytest.mark.usefixtures("articles")
def test_an_attached_question_finds_its_article(
    kb: KnowledgeBase, sessions: sessionmaker[Session]
) -> None:
    assert "oa" not in _search(kb, sessions, ASKED)
    with sessions.begin() as session:
        kb.attach_question(session, "oa", ASKED, person_id=7)
    assert _search(kb, sessions, ASKED)[0] == "oa"
    with sessions.begin() as session:
        with pytest.raises(InvalidArticle):
            kb.attach_question(session, "oa", " ？ ", person_id=7)


@pytest.mark.usefixtures("articles")
def test_a_helpful_question_is_proposed_and_searched_once_accepted(
    kb: KnowledgeBase, sessions: sessionmaker[Session]
) -> None:
    with sessions.begin() as session:
        kb.record_feedback(session, "oa", True, 5, ASKED)
        kb.record_feedback(session, "oa", True, 6, ASKED + "？")  # the same question again
        kb.record_feedback(session, "printer", False, 5, "打印机卡纸")  # 没帮助: a gap
        proposals = kb.question_proposals(session)
        assert [(p.text, p.source, p.article.key) for p in proposals] == [(ASKED, "helpful", "oa")]
        proposal_id = proposals[0].id
    assert "oa" not in _search(kb, sessions, ASKED)
    with sessions.begin() as session:
        kb.decide_question(session, proposal_id, True, person_id=9)
    assert _search(kb, sessions, ASKED)[0] == "oa"
    with sessions.begin() as session:
        assert kb.question_proposals(session) == []
        with pytest.raises(KnowledgeError):
            kb.decide_question(session, proposal_id, False, person_id=9)


@pytest.mark.usefixtures("articles")
def test_a_resolved_report_proposes_its_description_and_a_rejection_sticks(
    kb: KnowledgeBase, sessions: sessionmaker[Session]
) -> None:
    with sessions.begin() as session:
        kb.record_deflection(session, "printer", 5, "打印任务卡在队列里删不掉")
        (proposal,) = kb.question_proposals(session)
        assert proposal.source == "resolved"
        kb.decide_question(session, proposal.id, False, person_id=9)
    with sessions.begin() as session:
        kb.record_deflection(session, "printer", 6, "打印任务卡在队列里删不掉")
        assert kb.question_proposals(session) == []


def test_questions_import_from_front_matter_and_csv_and_survive_export(
    kb: KnowledgeBase, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    source = tmp_path / "in"
    source.mkdir()
    (source / "oa.md").write_text(
        "---\ntitle: OA 系统页面加载缓慢\nquestions:\n  - 公文流转平台的待办一直转圈\n"
        "  - 审批页面打不开, 一直白屏\n---\n\n清除浏览器缓存后重新登录。\n",
        encoding="utf-8",
    )
    (source / "more.csv").write_text(
        "key,title,body,questions\n"
        "vpn,VPN 连不上,重新登录客户端。,在家访问内网失败|远程接入报错\n",
        encoding="utf-8",
    )
    with sessions.begin() as session:
        kb.import_paths(session, [source], default_status="published")
    assert _search(kb, sessions, ASKED)[0] == "oa"
    assert _search(kb, sessions, "在家访问内网失败")[0] == "vpn"
    exported = tmp_path / "out"
    with sessions.begin() as session:
        kb.export(session, exported)
    text = (exported / "oa.md").read_text(encoding="utf-8")
    assert "  - 审批页面打不开, 一直白屏" in text
    with sessions.begin() as session:
        report = kb.import_paths(session, [exported])
    assert report.updated == [] and sorted(report.unchanged) == ["oa", "vpn"]
