"""`govdesk kb …` via knowledge.cli: import, search (--json, --stdin), reindex, export, stats."""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from knowledge import KnowledgeBase
from knowledge.cli import add_parser, run
from tests.knowledge.conftest import write


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="govdesk")
    add_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(["kb", *argv])


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    write(
        tmp_path / "c" / "tar.md",
        "tar\n===\n\n打包和解包归档文件。\n\n## 实例\n\n```shell\ntar -czf a.tar.gz dir\n```\n",
    )
    write(
        tmp_path / "c" / "df.md",
        "df\n===\n\n显示磁盘的相关信息。\n\n用于显示磁盘分区上可使用的磁盘空间。\n",
    )
    write(tmp_path / "c" / "bad.md", b"\xff\xfe broken")
    return tmp_path / "c"


def test_import_reports_counts_and_names_bad_files(
    kb: KnowledgeBase,
    sessions: sessionmaker[Session],
    corpus: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run(_args("import", str(corpus)), kb, sessions) == 0
    out, err = capsys.readouterr()
    assert "新增 2 篇" in out and "跳过 1 个" in out
    assert "bad.md" in err and "UTF-8" in err


def test_search_json_from_stdin_gives_one_line_per_question(
    kb: KnowledgeBase,
    sessions: sessionmaker[Session],
    corpus: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    run(_args("import", str(corpus)), kb, sessions)
    capsys.readouterr()
    monkeypatch.setattr(
        "sys.stdin", io.StringIO('tar 命令是做什么的\n\n如何查看磁盘剩余空间\nAND (OR "\n')
    )
    assert run(_args("search", "--json", "--stdin", "--limit", "1"), kb, sessions) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["query"] for line in lines] == [
        "tar 命令是做什么的",
        "",
        "如何查看磁盘剩余空间",
        'AND (OR "',
    ]
    assert [hit["key"] for hit in lines[0]["hits"]] == ["tar"]
    assert set(lines[0]["hits"][0]) == {"key", "title", "score", "snippet"}
    assert lines[1]["hits"] == [] and lines[3]["hits"] == []
    assert lines[2]["hits"][0]["key"] == "df"


def test_search_text_output_and_bad_arguments(
    kb: KnowledgeBase,
    sessions: sessionmaker[Session],
    corpus: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    run(_args("import", str(corpus)), kb, sessions)
    capsys.readouterr()
    assert run(_args("search", "磁盘", "空间"), kb, sessions) == 0
    assert "[df] df" in capsys.readouterr().out
    assert run(_args("search"), kb, sessions) == 2
    assert run(_args("search", "--limit", "0", "x"), kb, sessions) == 2
    assert "--limit" in capsys.readouterr().err


def test_reindex_export_and_stats(
    kb: KnowledgeBase,
    sessions: sessionmaker[Session],
    corpus: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    run(_args("import", str(corpus)), kb, sessions)
    assert run(_args("reindex"), kb, sessions) == 0
    assert run(_args("export", str(tmp_path / "out")), kb, sessions) == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["df.md", "tar.md"]
    assert run(_args("stats"), kb, sessions) == 0
    out = capsys.readouterr().out
    assert "索引已重建：2 篇" in out and "共 2 篇" in out


def test_an_unwritable_export_directory_is_a_message_not_a_traceback(
    kb: KnowledgeBase,
    sessions: sessionmaker[Session],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    blocker = write(tmp_path / "file", "x")
    assert run(_args("export", str(blocker / "sub")), kb, sessions) == 1
    assert "错误" in capsys.readouterr().err
