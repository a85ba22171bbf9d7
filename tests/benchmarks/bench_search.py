"""Knowledge base search benchmark: import, index build, query latency, RSS, quality.

    python tests/benchmarks/bench_search.py [--corpus PATH] [--scale 20000] [--write]

Runs on the linux-command corpus (621 articles) and on a larger set generated from it, then
scores search quality on the development set (tests/benchmarks/data) against two baselines.
`--write` replaces the "## Knowledge base search" section of docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(Path(__file__).parent)]

from sqlalchemy import create_engine  # noqa: E402
from sqlalchemy.orm import sessionmaker  # noqa: E402

from bot.clock import SystemClock  # noqa: E402
from knowledge import Base, KnowledgeBase  # noqa: E402
from knowledge.markdown import parse_markdown  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "corpora" / "linux-command"
DOC = ROOT / "docs" / "BENCHMARKS.md"
HEADING = "## Knowledge base search"
WARM_UP_QUERIES = 50
DEV_SET_NOTE = (
    "Development set (tests/benchmarks/quality.py, data/): *summary→article* — each article's "
    "one-line summary as the question, that line removed from the indexed text ({summary}); "
    "*what does X do* — 25 hand-written questions plus one of 10 templates per article "
    "({what}); *how do I …* — questions written by hand in users' words, with the acceptable "
    "answers ({how}). The baselines index the same files (first line as title): jieba's "
    "ChineseAnalyzer with Whoosh defaults (BM25F, MultifieldParser; its default AND grouping, "
    "and OrGroup), and SQLite FTS5 with the trigram tokenizer (the question's trigrams OR-ed, "
    "ranked by bm25()). *tldr what / tldr how* — ../shared/corpora/kb-questions/"
    "tldr-zh-dev.jsonl: real Chinese questions by tldr-pages' translators (a command's one-line "
    "description; an example's description) over 89 commands, never naming the command."
)
SEED = 7
FLOORS = (0.2, 0.25, 0.3, 0.35, 0.4)


def questions(corpus: Path) -> list[str]:
    """Return the benchmark questions: the dev set's how/what questions and the summaries."""
    import quality

    texts = [q.text for q in quality.how_questions() + quality.what_questions(corpus)]
    with tempfile.TemporaryDirectory() as scratch:
        texts += [q.text for q in quality.strip_summaries(corpus, Path(scratch))]
    return texts


def open_kb(workdir: Path) -> tuple[KnowledgeBase, sessionmaker]:
    """Open (or create) a knowledge base in `workdir`."""
    engine = create_engine(f"sqlite:///{workdir / 'kb.sqlite3'}")
    Base.metadata.create_all(engine)
    sessions = sessionmaker(engine)
    kb = KnowledgeBase(workdir / "index", SystemClock())
    with sessions.begin() as session:
        kb.open(session)
    return kb, sessions


def latencies(
    kb: KnowledgeBase, sessions: sessionmaker, texts: list[str]
) -> tuple[list[float], list[float]]:
    """Return per-query wall and CPU milliseconds of kb.search(limit=10) after a warm-up."""
    wall, cpu = [], []
    with sessions() as session:
        for text in texts[:WARM_UP_QUERIES]:
            with session.begin():
                kb.search(session, text, limit=10, log=False)
        for text in texts:
            started, cpu_started = time.perf_counter(), time.process_time()
            with session.begin():
                kb.search(session, text, limit=10, log=False)
            wall.append(1000 * (time.perf_counter() - started))
            cpu.append(1000 * (time.process_time() - cpu_started))
    return wall, cpu


def percentile(values: list[float], share: float) -> float:
    """Return the `share` percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def rss_probe(workdir: Path, texts_file: Path) -> dict[str, float]:
    """Measure RSS of a fresh process that opens the index and runs the queries."""
    paths = [str(ROOT), str(Path(__file__).parent)]
    code = (
        f"import json,sys,resource;sys.path[:0]={paths!r};"
        "import bench_search as b;from pathlib import Path;"
        f"kb,s=b.open_kb(Path({str(workdir)!r}));"
        f"t=json.loads(Path({str(texts_file)!r}).read_text());b.latencies(kb,s,t);kb.close();"
        "rss=[l for l in open('/proc/self/status') if l.startswith('VmRSS')][0].split()[1];"
        "print(json.dumps({'rss_mb':int(rss)/1024,"
        "'peak_mb':resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1024}))"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return json.loads(output.stdout.strip().splitlines()[-1])


def generate(corpus: Path, target: Path, count: int) -> None:
    """Write `count` articles made from the corpus: each a real article's title and sections
    plus sections borrowed from two others, so vocabulary and lengths stay realistic."""
    rng = random.Random(SEED)
    parsed = []
    for path in sorted(corpus.glob("*.md")):
        article = parse_markdown(path.read_text(encoding="utf-8"))
        parsed.append((article.title, article.body.split("\n## ")))
    target.mkdir(parents=True)
    for number in range(count):
        title, sections = parsed[number % len(parsed)]
        borrowed = [rng.choice(rng.choice(parsed)[1]) for _ in range(2)]
        body = "\n## ".join(sections[:1] + rng.sample(sections[1:], len(sections) - 1) + borrowed)
        name = f"{title}-{number // len(parsed)}" if number >= len(parsed) else title
        (target / f"a{number:05d}.md").write_text(f"# {name}\n\n{body}\n", encoding="utf-8")


def measure(corpus: Path, texts: list[str], scratch: Path, label: str) -> dict[str, object]:
    """Import a corpus, rebuild its index, time the queries and probe the RSS."""
    workdir = scratch / label
    workdir.mkdir()
    kb, sessions = open_kb(workdir)
    started = time.perf_counter()
    with sessions.begin() as session:
        report = kb.import_paths(session, [corpus])
    imported = time.perf_counter() - started
    started = time.perf_counter()
    with sessions.begin() as session:
        kb.reindex(session)
    built = time.perf_counter() - started
    wall, cpu = latencies(kb, sessions, texts)
    kb.close()
    texts_file = scratch / "texts.json"
    texts_file.write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
    return {
        "label": label,
        "articles": report.total,
        "import_s": imported,
        "build_s": built,
        "p50_ms": statistics.median(wall),
        "p95_ms": percentile(wall, 0.95),
        "cpu_p50_ms": statistics.median(cpu),
        "cpu_p95_ms": percentile(cpu, 0.95),
        "queries": len(wall),
        "load": os.getloadavg()[0],
        **rss_probe(workdir, texts_file),
    }


QUALITY_PARTS = ("summary", "what", "how", "tldr-what", "tldr-how")
HALVES = ("tldr-what/fit", "tldr-what/check", "tldr-how/fit", "tldr-how/check")
FLOOR_NOTE = (
    "Relevance floor (`KnowledgeBase(relevance_floor=…)`; the bot uses RELEVANCE_FLOOR): "
    "*hidden* = dev questions (ours and tldr) whose right answer is among the top 3 but covers "
    "less of the question than the floor; *emptied* = hand-written off-topic questions "
    "(data/offtopic_questions.txt: office administration and desktop IT) whose every hit is "
    "below the floor, so the bot answers 没有找到 + 我要报修."
)


def _cells(parts: dict[str, dict], names: tuple[str, ...]) -> str:
    """Return "MRR / recall" table cells for the named parts ("–" when not measured)."""
    cells = [
        f"{parts[p]['mrr10']:.3f} / {parts[p]['recall5']:.3f}" if p in parts else "–"
        for p in names
    ]
    return " | ".join(cells)


def _quality_lines(quality_rows: list[dict]) -> list[str]:
    """Return the quality tables (all systems; then our figures on the tldr halves)."""
    lines = [
        "Quality on the development sets (MRR@10 / recall@5, same run):",
        "",
        "| system | summary→article | what does X do | how do I … | tldr what | tldr how |",
        "|---|---|---|---|---|---|",
    ]
    by_system: dict[str, dict[str, dict]] = {}
    for row in quality_rows:
        by_system.setdefault(row["system"], {})[row["part"]] = row
    for system, parts in by_system.items():
        lines.append(f"| {system} | {_cells(parts, QUALITY_PARTS)} |")
    ours = by_system.get("ours", {})
    if all(half in ours for half in HALVES):
        lines += [
            "",
            "tldr dev set by half (split by command, `quality.split_of`; parameters were "
            "fitted on *fit* only):",
            "",
            "| system | what, fit | what, check | how, fit | how, check |",
            "|---|---|---|---|---|",
        ]
        for system, parts in by_system.items():
            lines.append(f"| {system} | {_cells(parts, HALVES)} |")
    counts = {row["part"]: row["n"] for row in quality_rows}
    return [*lines, "", DEV_SET_NOTE.format(**counts)]


def _floor_lines(floor_rows: list[dict]) -> list[str]:
    """Return the relevance-floor table."""
    lines = [
        "",
        "| floor | right answers hidden | off-topic questions emptied |",
        "|---|---|---|",
    ]
    for row in floor_rows:
        lines.append(
            f"| {row['floor']:.2f} | {row['hidden']} / {row['answered']} "
            f"({row['hidden'] / max(1, row['answered']):.1%}) | "
            f"{row['emptied']} / {row['offtopic']} |"
        )
    return [*lines, "", FLOOR_NOTE]


def render(
    rows: list[dict], quality_rows: list[dict], command: str, floor_rows: list[dict] | None = None
) -> str:
    """Return the Markdown section of docs/BENCHMARKS.md."""
    lines = [
        HEADING,
        "",
        f"Command: `{command}`  ",
        f"Machine: {platform.machine()}, 2 cores, Python {platform.python_version()}, "
        f"SQLite {__import__('sqlite3').sqlite_version}; run {time.strftime('%Y-%m-%d')}.",
        "",
        "| set | articles | import (s) | index rebuild (s) | query p50 / p95 (ms) | "
        "CPU p50 / p95 (ms) | RSS after queries (MB) | load avg |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row['label']} | {row['articles']} | {row['import_s']:.1f} | "
            f"{row['build_s']:.1f} | {row['p50_ms']:.1f} / {row['p95_ms']:.1f} | "
            f"{row['cpu_p50_ms']:.1f} / {row['cpu_p95_ms']:.1f} | {row['rss_mb']:.0f} | "
            f"{row['load']:.1f} |"
        )
    lines += [
        "",
        "Import = parse + database + index write (`import_paths`, one transaction). "
        f"Latency = `KnowledgeBase.search(limit=10)` incl. database and snippets, over "
        f"{rows[0]['queries']} dev questions after {WARM_UP_QUERIES} warm-up queries. "
        "RSS = a fresh process that opened the index and ran those queries.",
        "",
    ]
    if quality_rows:
        lines += _quality_lines(quality_rows)
    if floor_rows:
        lines += _floor_lines(floor_rows)
    return "\n".join(lines) + "\n"


def write_section(section: str) -> None:
    """Replace (or append) our section in docs/BENCHMARKS.md, leaving the others alone."""
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Benchmarks\n"
    start = text.find(HEADING)
    if start < 0:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        end = text.find("\n## ", start + len(HEADING))
        text = text[:start] + section + (text[end + 1 :] if end >= 0 else "")
    DOC.write_text(text, encoding="utf-8")


def main() -> int:
    """Run the benchmark and print (or write) the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--scale", type=int, default=20_000)
    parser.add_argument("--no-quality", action="store_true")
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    texts = questions(args.corpus)
    scratch = Path(tempfile.mkdtemp(prefix="kb-bench-"))
    try:
        rows = [measure(args.corpus, texts, scratch, f"linux-command ({args.corpus.name})")]
        if args.scale:
            generate(args.corpus, scratch / "generated", args.scale)
            rows.append(measure(scratch / "generated", texts, scratch, f"generated {args.scale}"))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    import quality

    quality_rows = [] if args.no_quality else quality.quality_table(args.corpus)
    floor_rows = [] if args.no_quality else quality.floor_table(args.corpus, FLOORS)
    command = "python tests/benchmarks/bench_search.py " + " ".join(sys.argv[1:])
    section = render(rows, quality_rows, command, floor_rows)
    print(section)
    if args.write:
        write_section(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
