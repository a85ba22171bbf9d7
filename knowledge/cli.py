"""`govdesk kb …`: import, search, reindex, export and stats of the knowledge base."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from sqlalchemy.orm import Session, sessionmaker

from knowledge.errors import KnowledgeError
from knowledge.results import ImportReport
from knowledge.service import KnowledgeBase

MSG_IMPORTED = (
    "导入完成：新增 {created} 篇，更新 {updated} 篇，未变 {unchanged} 篇，跳过 {skipped} 个。"
)
MSG_SKIPPED = "跳过 {path}：{reason}"
MSG_NO_QUERY = "请给出要搜索的问题，或使用 --stdin 从标准输入逐行读取。"
MSG_NO_HITS = "没有找到相关文章。"
MSG_REINDEXED = "索引已重建：{count} 篇文章，用时 {seconds:.1f} 秒。"
MSG_EXPORTED = "已导出 {count} 篇文章到 {directory}"
MSG_ERROR = "错误：{error}"
MSG_BAD_LIMIT = "--limit 应在 1 到 50 之间"
STATUS_NAMES = {"draft": "草稿", "in_review": "待审核", "published": "已发布", "retired": "已下线"}
PROGRESS_MIN_ITEMS = 50
BAR_WIDTH = 30


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the `kb` command and its subcommands to the govdesk argument parser."""
    kb = subparsers.add_parser("kb", help="知识库：导入、搜索、重建索引、导出、统计")
    commands = kb.add_subparsers(dest="kb_command", required=True)
    imp = commands.add_parser("import", help="导入 Markdown 目录或文件、CSV、JSON")
    imp.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    imp.add_argument(
        "--status",
        choices=sorted(STATUS_NAMES),
        default="published",
        help="文件未写明状态时使用的状态（默认 published）",
    )
    search = commands.add_parser("search", help="用自然语言搜索已发布的文章")
    search.add_argument("query", nargs="*", metavar="QUERY")
    search.add_argument("--json", action="store_true", help="每个问题输出一行 JSON")
    search.add_argument("--limit", type=int, default=5, help="每个问题最多几篇（默认 5）")
    search.add_argument("--stdin", action="store_true", help="从标准输入读取问题，每行一个")
    commands.add_parser("reindex", help="从数据库重建搜索索引")
    export = commands.add_parser("export", help="把文章导出为 Markdown 文件")
    export.add_argument("directory", type=Path, metavar="DIR")
    commands.add_parser("stats", help="知识库统计")
    return kb


def run(args: argparse.Namespace, kb: KnowledgeBase, sessions: sessionmaker[Session]) -> int:
    """Run a `kb` subcommand; return the exit code (messages, never tracebacks, on bad input)."""
    handlers = {
        "import": _import,
        "search": _search,
        "reindex": _reindex,
        "export": _export,
        "stats": _stats,
    }
    try:
        return handlers[args.kb_command](args, kb, sessions)
    except (KnowledgeError, OSError) as error:
        print(MSG_ERROR.format(error=error), file=sys.stderr)
        return 1


class ProgressBar:
    """A text progress bar on stderr, drawn only for large jobs on a terminal or when asked."""

    def __init__(self, stream: TextIO | None = None, force: bool = False) -> None:
        self.stream = stream or sys.stderr  # the stderr of the call, not of the first import
        self.enabled = force or self.stream.isatty()
        self._last = ""

    def __call__(self, stage: str, done: int, total: int) -> None:
        """Draw `done` of `total` for the named stage."""
        if not self.enabled or total < PROGRESS_MIN_ITEMS:
            return
        filled = BAR_WIDTH * done // max(total, 1)
        line = f"\r{stage} [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done}/{total}"
        if line != self._last:
            self.stream.write(line)
            self.stream.flush()
            self._last = line
        if done >= total:
            self.stream.write("\n")
            self._last = ""


def _import(args: argparse.Namespace, kb: KnowledgeBase, sessions: sessionmaker[Session]) -> int:
    """Import files; bad ones are named and skipped."""
    with sessions.begin() as session:
        report = kb.import_paths(session, args.paths, ProgressBar(), default_status=args.status)
    _print_report(report)
    return 0 if report.total or not report.skipped else 1


def _print_report(report: ImportReport) -> None:
    """Print the skipped files and the totals."""
    for path, reason in report.skipped:
        print(MSG_SKIPPED.format(path=path, reason=reason), file=sys.stderr)
    print(
        MSG_IMPORTED.format(
            created=len(report.created),
            updated=len(report.updated),
            unchanged=len(report.unchanged),
            skipped=len(report.skipped),
        )
    )


def _questions(args: argparse.Namespace) -> Iterable[str]:
    """Yield the questions: one from the arguments, or one per line of standard input."""
    if args.stdin:
        for line in sys.stdin:
            yield line.rstrip("\r\n")
    if args.query:
        yield " ".join(args.query)


def _search(args: argparse.Namespace, kb: KnowledgeBase, sessions: sessionmaker[Session]) -> int:
    """Search for each question; print hits as text or one JSON line per question."""
    if not args.stdin and not args.query:
        print(MSG_NO_QUERY, file=sys.stderr)
        return 2
    if not 1 <= args.limit <= 50:
        print(MSG_BAD_LIMIT, file=sys.stderr)
        return 2
    with sessions() as session:
        for question in _questions(args):
            with session.begin():
                hits = kb.search(session, question, limit=args.limit, log=False)
            if args.json:
                line = {"query": question, "hits": [hit.as_json() for hit in hits]}
                print(json.dumps(line, ensure_ascii=False), flush=True)
                continue
            print(f"? {question}")
            for rank, hit in enumerate(hits, start=1):
                print(f"{rank}. [{hit.key}] {hit.title}  ({hit.score:.2f})\n   {hit.snippet}")
            if not hits:
                print(f"   {MSG_NO_HITS}")
    return 0


def _reindex(args: argparse.Namespace, kb: KnowledgeBase, sessions: sessionmaker[Session]) -> int:
    """Rebuild the index from the database."""
    started = time.perf_counter()
    with sessions.begin() as session:
        count = kb.reindex(session, ProgressBar())
    print(MSG_REINDEXED.format(count=count, seconds=time.perf_counter() - started))
    return 0


def _export(args: argparse.Namespace, kb: KnowledgeBase, sessions: sessionmaker[Session]) -> int:
    """Export every article as Markdown."""
    with sessions.begin() as session:
        count = kb.export(session, args.directory)
    print(MSG_EXPORTED.format(count=count, directory=args.directory))
    return 0


def _stats(args: argparse.Namespace, kb: KnowledgeBase, sessions: sessionmaker[Session]) -> int:
    """Print article counts and use figures."""
    with sessions.begin() as session:
        stats = kb.stats(session)
    statuses = "，".join(f"{STATUS_NAMES[s]} {n}" for s, n in stats.by_status.items())
    print(f"文章：共 {stats.total} 篇（{statuses}）；索引中 {stats.indexed} 篇")
    print(
        f"查看 {stats.views} 次；有帮助 {stats.helpful}，没帮助 {stats.unhelpful}；"
        f"报修前解决 {stats.deflections} 次"
    )
    print(f"搜索 {stats.searches} 次，其中无结果 {stats.searches_without_hits} 次")
    for key, title, views in stats.most_viewed:
        print(f"  {views:>5}  [{key}] {title}")
    return 0
