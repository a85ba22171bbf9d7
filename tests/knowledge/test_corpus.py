"""The real linux-command corpus (621 Chinese articles), when it sits beside the repository."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from knowledge import KnowledgeBase
from tests.knowledge.conftest import keys

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpora" / "linux-command"

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="linux-command corpus not present")


def test_the_corpus_imports_and_answers_sanity_questions(
    kb: KnowledgeBase, sessions: sessionmaker[Session]
) -> None:
    with sessions.begin() as session:
        report = kb.import_paths(session, [CORPUS])
    assert len(report.created) >= 600 and report.skipped == []
    questions = {
        "tar 命令是做什么的": "tar",
        "如何查看磁盘剩余空间": "df",
        "怎么把文件压缩成 zip": "zip",
        "iptables 怎么用": "iptables",
        "which 是干啥的": "which",
        "修改文件权限": "chmod",
        "查看内存使用情况": "free",
        "解压 tar.gz 文件": "tar",
    }
    with sessions.begin() as session:
        for question, key in questions.items():
            assert key in keys(kb.search(session, question, limit=3)), question
        assert keys(kb.search(session, "ls -l 显示出来的是什么"))[0] == "ls"
