"""The index is a cache of the database: rebuilt when missing, corrupt or old; crash-repaired."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import AdjustableClock
from knowledge import KnowledgeBase
from knowledge.index import MARKER_FILE, IndexStore
from tests.knowledge.conftest import MakeArticle, keys


def _reopen(tmp_path: Path, clock: AdjustableClock, sessions: sessionmaker[Session]):
    knowledge = KnowledgeBase(tmp_path / "index", clock)
    with sessions.begin() as session:
        state = knowledge.open(session)
    return knowledge, state


def _search(knowledge: KnowledgeBase, sessions: sessionmaker[Session], text: str) -> list[str]:
    with sessions.begin() as session:
        return keys(knowledge.search(session, text))


def test_a_deleted_index_directory_is_rebuilt(
    kb: KnowledgeBase,
    publish: MakeArticle,
    tmp_path: Path,
    clock: AdjustableClock,
    sessions: sessionmaker[Session],
) -> None:
    publish("打印机卡纸", "打开盖板取出纸张。", key="printer")
    kb.close()
    shutil.rmtree(tmp_path / "index")
    knowledge, state = _reopen(tmp_path, clock, sessions)
    assert state == "rebuilt"
    assert _search(knowledge, sessions, "卡纸") == ["printer"]
    knowledge.close()


def test_a_corrupt_index_is_rebuilt(
    kb: KnowledgeBase,
    publish: MakeArticle,
    tmp_path: Path,
    clock: AdjustableClock,
    sessions: sessionmaker[Session],
) -> None:
    publish("打印机卡纸", "打开盖板取出纸张。", key="printer")
    kb.close()
    for path in (tmp_path / "index").glob("*.seg"):
        path.write_bytes(b"garbage")
    for path in (tmp_path / "index").glob("*.toc"):
        path.write_bytes(b"\x00" * 10)
    knowledge, state = _reopen(tmp_path, clock, sessions)
    assert state == "rebuilt"
    assert _search(knowledge, sessions, "卡纸") == ["printer"]
    knowledge.close()


def test_an_index_of_an_older_schema_is_rebuilt(
    kb: KnowledgeBase,
    publish: MakeArticle,
    tmp_path: Path,
    clock: AdjustableClock,
    sessions: sessionmaker[Session],
) -> None:
    publish("打印机卡纸", "打开盖板取出纸张。", key="printer")
    kb.close()
    marker = tmp_path / "index" / MARKER_FILE
    marker.write_text(json.dumps({"schema": 0, "analysis": "old"}), encoding="utf-8")
    knowledge, state = _reopen(tmp_path, clock, sessions)
    assert state == "rebuilt"
    assert _search(knowledge, sessions, "卡纸") == ["printer"]
    knowledge.close()


def test_a_crash_between_commit_and_index_write_is_repaired_at_next_start(
    kb: KnowledgeBase,
    publish: MakeArticle,
    tmp_path: Path,
    clock: AdjustableClock,
    sessions: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    publish("打印机卡纸", "打开盖板取出纸张。", key="printer")

    def crash(self: IndexStore, *args: object, **kwargs: object) -> None:
        raise RuntimeError("power cut")

    monkeypatch.setattr(IndexStore, "apply", crash)
    with sessions.begin() as session:
        kb.update(session, "printer", editor_id=1, body="先关机，再取出卡住的纸张。")
    monkeypatch.undo()
    kb.close()
    knowledge, state = _reopen(tmp_path, clock, sessions)
    assert state == "repaired"
    assert _search(knowledge, sessions, "关机") == ["printer"]
    knowledge.close()


def test_a_failed_index_write_is_repaired_on_the_next_search(
    kb: KnowledgeBase,
    publish: MakeArticle,
    sessions: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(IndexStore, "apply", lambda self, *a, **k: 1 / 0)
    publish("打印机卡纸", "打开盖板取出纸张。", key="printer")
    monkeypatch.undo()
    assert kb.store.dirty
    assert _search(kb, sessions, "卡纸") == ["printer"]


def test_a_rolled_back_change_never_reaches_the_index(
    kb: KnowledgeBase, sessions: sessionmaker[Session]
) -> None:
    with pytest.raises(RuntimeError), sessions.begin() as session:
        article = kb.create_draft(
            session, title="打印机", body="卡纸", tags=[], category=None, author_id=1
        )
        kb.approve(session, article.key, 2)
        raise RuntimeError("rollback")
    assert kb.store.doc_count() == 0


def test_reindex_rebuilds_from_the_database(
    kb: KnowledgeBase, publish: MakeArticle, sessions: sessionmaker[Session]
) -> None:
    publish("打印机卡纸", "打开盖板取出纸张。")
    publish("VPN 连不上", "检查证书。")
    with sessions.begin() as session:
        assert kb.reindex(session) == 2
    assert kb.store.doc_count() == 2
