"""The starter knowledge base written from the seed documents."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from knowledge import KnowledgeBase
from tests.knowledge.conftest import keys

CATEGORIES = {
    "network",
    "host",
    "security",
    "storage",
    "facility",
    "database",
    "desktop",
    "app",
    "content",
    "data",
    None,
}


def test_starter_imports_once_with_tags_and_catalogue_categories(
    kb: KnowledgeBase, sessions: sessionmaker[Session]
) -> None:
    with sessions.begin() as session:
        report = kb.import_starter_if_empty(session)
        assert report is not None and report.skipped == []
        assert len(report.created) >= 12
        for key in report.created:
            article = kb.get(session, key)
            assert article.status == "published" and article.tags
            assert article.category in CATEGORIES
        assert kb.import_starter_if_empty(session) is None


def test_starter_answers_common_desk_questions(
    kb: KnowledgeBase, sessions: sessionmaker[Session]
) -> None:
    with sessions.begin() as session:
        kb.import_starter_if_empty(session)
    questions = {
        "怎么报修": "how-to-report",
        "电脑上不了网": "network-down",
        "密码忘了怎么办": "password-reset",
        "什么是运维费": "om-fee-definition",
        "绩效九宫格是什么": "om-performance",
        "P1 故障多久响应": "service-hours-sla",
        "堡垒机登不上": "bastion-host-login",
    }
    with sessions.begin() as session:
        for question, key in questions.items():
            assert keys(kb.search(session, question))[0] == key, question
