"""Article life cycle: draft → in review → published → retired, with every edit kept."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import AdjustableClock
from knowledge import (
    ArticleNotFound,
    DuplicateKey,
    InvalidArticle,
    InvalidTransition,
    KnowledgeBase,
    KnowledgeError,
)


def _draft(kb: KnowledgeBase, session: Session, key: str = "vpn") -> str:
    article = kb.create_draft(
        session,
        title="VPN 连不上",
        body="检查证书。",
        tags="VPN, 远程",
        category="network",
        author_id=7,
        key=key,
    )
    return article.key


def test_the_happy_path_publishes_and_retires(
    kb: KnowledgeBase, sessions: sessionmaker[Session], clock: AdjustableClock
) -> None:
    with sessions.begin() as session:
        key = _draft(kb, session)
        assert kb.get(session, key).status == "draft"
        assert kb.get(session, key).tags == ["VPN", "远程"]
        kb.submit_for_review(session, key, 7)
        clock.advance(timedelta(hours=1))
        article = kb.approve(session, key, 8)
        assert (article.status, article.reviewer_id, article.owner_id) == ("published", 8, 7)
        assert article.published_at == clock.now()
        assert article.review_by == (clock.now() + timedelta(days=365)).date()
        assert kb.retire(session, key, 8).status == "retired"


def test_generated_keys_are_unique(kb: KnowledgeBase, sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        first = kb.create_draft(
            session, title="一", body="正文", tags=[], category=None, author_id=1
        )
        second = kb.create_draft(
            session, title="二", body="正文", tags=[], category=None, author_id=1
        )
        assert first.key == "KB-0001" and second.key == "KB-0002"


def test_every_edit_is_kept_as_a_version(
    kb: KnowledgeBase, sessions: sessionmaker[Session]
) -> None:
    with sessions.begin() as session:
        key = _draft(kb, session)
        kb.update(session, key, editor_id=9, body="检查证书和系统时间。")
        kb.update(session, key, editor_id=9, body="检查证书和系统时间。")
        kb.update(session, key, editor_id=10, title="VPN 无法连接", tags=["VPN"])
        versions = kb.versions(session, key)
        assert [(v.version, v.editor_id) for v in versions] == [(1, 7), (2, 9), (3, 10)]
        assert versions[0].body == "检查证书。"
        assert kb.get(session, key).title == "VPN 无法连接"


@pytest.mark.parametrize(
    ("action", "status"),
    [("approve", "published"), ("submit", "published"), ("approve", "retired")],
)
def test_illegal_transitions_raise_a_clear_error(
    kb: KnowledgeBase, sessions: sessionmaker[Session], action: str, status: str
) -> None:
    with sessions.begin() as session:
        key = _draft(kb, session)
        kb.approve(session, key, 8)
        if status == "retired":
            kb.retire(session, key, 8)
        with pytest.raises(InvalidTransition) as raised:
            if action == "approve":
                kb.approve(session, key, 8)
            else:
                kb.submit_for_review(session, key, 8)
    assert "状态不允许此操作" in str(raised.value)


def test_a_retired_article_cannot_be_edited(
    kb: KnowledgeBase, sessions: sessionmaker[Session]
) -> None:
    with sessions.begin() as session:
        key = _draft(kb, session)
        kb.retire(session, key, 8)
        with pytest.raises(InvalidTransition, match="已下线"):
            kb.update(session, key, editor_id=8, body="新内容")


def test_reject_sends_back_to_the_author_with_a_comment(
    kb: KnowledgeBase, sessions: sessionmaker[Session]
) -> None:
    with sessions.begin() as session:
        key = _draft(kb, session)
        other = _draft(kb, session, key="other")
        kb.submit_for_review(session, key, 7)
        assert [a.key for a in kb.list_pending_review(session)] == [key, other]
        with pytest.raises(InvalidArticle):
            kb.reject(session, key, 8, "  ")
        article = kb.reject(session, key, 8, "请补充截图")
        assert (article.status, article.review_comment, article.author_id) == (
            "draft",
            "请补充截图",
            7,
        )
        assert [a.key for a in kb.list_pending_review(session)] == [other]
        kb.update(session, key, editor_id=7, body="检查证书，见截图。")
        assert {a.key for a in kb.list_pending_review(session)} == {key, other}


def test_unknown_keys_and_bad_content_raise_knowledge_errors(
    kb: KnowledgeBase, sessions: sessionmaker[Session]
) -> None:
    with sessions.begin() as session:
        with pytest.raises(ArticleNotFound, match="文章不存在"):
            kb.get(session, "nope")
        with pytest.raises(InvalidArticle):
            kb.create_draft(session, title=" ", body="正文", tags=[], category=None, author_id=1)
        with pytest.raises(InvalidArticle):
            kb.create_draft(
                session, title="标题", body="正文", tags=[], category="网络", author_id=1
            )
        _draft(kb, session)
        with pytest.raises(DuplicateKey):
            _draft(kb, session)
        with pytest.raises(KnowledgeError):
            kb.record_feedback(session, "nope", True, 1)
