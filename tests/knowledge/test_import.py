"""Import and export: Markdown variants, CSV, JSON, re-import by key, broken files."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from knowledge import Article, ArticleVersion, KnowledgeBase
from tests.knowledge.conftest import keys, write

FRONT_MATTER = """---
title: 打印机无法打印
tags: [打印机, 驱动]
category: desktop
---

先检查打印队列，再重启打印机。
"""
ATX = "# VPN 连不上怎么办\n\n检查证书是否插好，核对系统时间。\n"
SETEXT = "堡垒机登录\n===\n\n首次登录需要绑定动态口令。\n"
STRING_TAGS = "---\ntitle: 公文系统很慢\ntags: 公文系统, OA、浏览器\n---\n清除浏览器缓存。\n"


def _import(kb: KnowledgeBase, sessions: sessionmaker[Session], *paths: Path):
    with sessions.begin() as session:
        return kb.import_paths(session, list(paths))


def test_markdown_variants_import_with_titles_tags_and_categories(
    kb: KnowledgeBase, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    folder = tmp_path / "kb"
    write(folder / "printer.md", FRONT_MATTER)
    write(folder / "vpn.md", ATX)
    write(folder / "sub" / "bastion.markdown", SETEXT)
    write(folder / "oa.md", STRING_TAGS)
    write(folder / "LICENSE", "not an article")
    report = _import(kb, sessions, folder)
    assert sorted(report.created) == ["bastion", "oa", "printer", "vpn"]
    assert report.skipped == []
    with sessions.begin() as session:
        printer = kb.get(session, "printer")
        assert (printer.title, printer.tags, printer.category) == (
            "打印机无法打印",
            ["打印机", "驱动"],
            "desktop",
        )
        assert printer.status == "published"
        assert kb.get(session, "vpn").title == "VPN 连不上怎么办"
        assert kb.get(session, "vpn").body.startswith("检查证书")
        assert kb.get(session, "bastion").title == "堡垒机登录"
        assert kb.get(session, "oa").tags == ["公文系统", "OA", "浏览器"]
        assert keys(kb.search(session, "堡垒机 动态口令")) == ["bastion"]


def test_reimport_updates_by_key_and_never_duplicates(
    kb: KnowledgeBase, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    folder = tmp_path / "kb"
    write(folder / "vpn.md", ATX)
    write(folder / "bastion.md", SETEXT)
    _import(kb, sessions, folder)
    write(folder / "vpn.md", ATX + "\n还不行就报修。\n")
    report = _import(kb, sessions, folder)
    assert (report.created, report.updated, report.unchanged) == ([], ["vpn"], ["bastion"])
    with sessions.begin() as session:
        assert session.scalar(select(func.count(Article.id))) == 2
        versions = session.scalars(
            select(ArticleVersion.version).join(Article).where(Article.key == "vpn")
        ).all()
        assert versions == [1, 2]
        assert keys(kb.search(session, "还不行就报修")) == ["vpn"]


def test_a_broken_file_is_named_and_skipped_while_the_rest_imports(
    kb: KnowledgeBase, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    folder = tmp_path / "kb"
    write(folder / "good.md", ATX)
    write(folder / "latin1.md", "# 标题\n\n正文".encode("gbk"))
    write(folder / "untitled.md", "只有正文，没有标题。\n")
    write(folder / "open.md", "---\ntitle: 没有结束\n正文\n")
    write(folder / "empty.md", "# 只有标题\n")
    report = _import(kb, sessions, folder, tmp_path / "missing.md")
    assert report.created == ["good"]
    reasons = {path.name: reason for path, reason in report.skipped}
    assert set(reasons) == {"latin1.md", "untitled.md", "open.md", "empty.md", "missing.md"}
    assert "UTF-8" in reasons["latin1.md"]
    assert "标题" in reasons["untitled.md"]
    assert "front matter" in reasons["open.md"]
    assert "正文" in reasons["empty.md"]
    assert "不存在" in reasons["missing.md"]


def test_csv_and_json_import_and_bad_rows_are_named(
    kb: KnowledgeBase, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    csv_file = write(
        tmp_path / "a.csv",
        "key,title,body,tags,category\n"
        'net-1,上不了网,先检查网线。,"网络,断网",network\n'
        ",无编号,正文,,\n",
    )
    json_file = write(
        tmp_path / "b.json",
        json.dumps(
            {
                "articles": [
                    {
                        "key": "pwd-1",
                        "title": "忘记密码",
                        "body": "自助重置。",
                        "tags": ["密码"],
                        "status": "draft",
                    },
                    {"key": "bad", "title": "状态错", "body": "x", "status": "weird"},
                ]
            },
            ensure_ascii=False,
        ),
    )
    broken = write(tmp_path / "c.json", "{not json")
    report = _import(kb, sessions, csv_file, json_file, broken)
    assert sorted(report.created) == ["net-1", "pwd-1"]
    reasons = [reason for _, reason in report.skipped]
    assert any("第 2 条" in r and "key" in r for r in reasons)
    assert any("weird" in r for r in reasons)
    assert any("JSON" in r for r in reasons)
    with sessions.begin() as session:
        assert kb.get(session, "net-1").tags == ["网络", "断网"]
        assert kb.get(session, "pwd-1").status == "draft"


def test_export_then_import_round_trips(
    kb: KnowledgeBase, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    folder = tmp_path / "kb"
    write(folder / "printer.md", FRONT_MATTER)
    write(folder / "vpn.md", ATX)
    _import(kb, sessions, folder)
    with sessions.begin() as session:
        assert kb.export(session, tmp_path / "out") == 2
    exported = (tmp_path / "out" / "printer.md").read_text(encoding="utf-8")
    assert exported.startswith("---\ntitle: 打印机无法打印\n")
    report = _import(kb, sessions, tmp_path / "out")
    assert sorted(report.unchanged) == ["printer", "vpn"]


def test_progress_is_reported(
    kb: KnowledgeBase, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    for number in range(60):
        write(tmp_path / "kb" / f"a{number}.md", f"# 文章 {number}\n\n正文 {number}\n")
    calls: list[tuple[str, int, int]] = []
    with sessions.begin() as session:
        kb.import_paths(session, [tmp_path / "kb"], progress=lambda *a: calls.append(a))
    assert ("导入", 60, 60) in calls
    assert ("索引", 60, 60) in calls
