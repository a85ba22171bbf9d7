"""Search quality on the development set: ours against two baselines (MRR@10, recall@5).

The development set has three parts, all over the linux-command corpus:
- summary: each article's one-line summary as the question, with that line removed from the
  indexed text (so the answer must come from the rest of the article);
- what: "what does X do" questions (hand-written ones plus one template per article);
- how: "how do I …" questions written by hand in users' words (data/how_questions.tsv).
"""

from __future__ import annotations

import random
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from bot.clock import SystemClock
from knowledge import Base, KnowledgeBase
from knowledge.markdown import plain_line

DATA = Path(__file__).parent / "data"
SEED = 20240601

Search = Callable[[str, int], list[str]]


@dataclass(frozen=True)
class Question:
    """A development question and the article keys that answer it."""

    text: str
    answers: tuple[str, ...]
    part: str


def _tsv(name: str, part: str) -> list[Question]:
    """Read a hand-written question file."""
    questions = []
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            text, answers = line.split("\t")
            questions.append(Question(text.strip(), tuple(answers.split()), part))
    return questions


def _summary_line(lines: list[str]) -> int | None:
    """Return the index of the one-line summary under a setext title, if any."""
    if len(lines) < 3 or not lines[1].startswith("==="):
        return None
    for index in range(2, min(len(lines), 8)):
        text = lines[index].strip()
        if text:
            return None if text.startswith(("#", "`", "|")) else index
    return None


def strip_summaries(corpus: Path, target: Path) -> list[Question]:
    """Copy the corpus without summary lines; return the summaries as questions."""
    target.mkdir(parents=True, exist_ok=True)
    questions = []
    for path in sorted(corpus.glob("*.md")):
        lines = path.read_text(encoding="utf-8").split("\n")
        index = _summary_line(lines)
        if index is not None:
            summary = plain_line(lines[index])
            if len(summary) >= 4:
                questions.append(Question(summary, (path.stem,), "summary"))
            del lines[index]
        (target / path.name).write_text("\n".join(lines), encoding="utf-8")
    return questions


def what_questions(corpus: Path) -> list[Question]:
    """Return hand-written "what does X do" questions plus one templated per article."""
    lines = (DATA / "what_templates.txt").read_text(encoding="utf-8").splitlines()
    templates = [t for t in lines if t.strip() and not t.startswith("#")]
    rng = random.Random(SEED)
    generated = [
        Question(rng.choice(templates).format(c=path.stem), (path.stem,), "what")
        for path in sorted(corpus.glob("*.md"))
    ]
    return _tsv("what_questions.tsv", "what") + generated


def how_questions() -> list[Question]:
    """Return the hand-written "how do I" questions."""
    return _tsv("how_questions.tsv", "how")


def score(search: Search, questions: list[Question]) -> dict[str, float]:
    """Return MRR@10, recall@5 and mean latency (ms) of `search` on the questions."""
    reciprocal, found, elapsed = 0.0, 0, 0.0
    for question in questions:
        started = time.perf_counter()
        keys = search(question.text, 10)
        elapsed += time.perf_counter() - started
        ranks = [i for i, key in enumerate(keys[:10], start=1) if key in question.answers]
        reciprocal += 1.0 / ranks[0] if ranks else 0.0
        found += 1 if ranks and ranks[0] <= 5 else 0
    n = max(1, len(questions))
    return {"mrr10": reciprocal / n, "recall5": found / n, "ms": 1000 * elapsed / n}


class Ours:
    """The govdesk knowledge base, loaded with `import_paths` like `govdesk kb import`."""

    def __init__(self, corpus: Path, workdir: Path) -> None:
        engine = create_engine(f"sqlite:///{workdir / 'kb.sqlite3'}")
        Base.metadata.create_all(engine)
        self.sessions = sessionmaker(engine)
        self.kb = KnowledgeBase(workdir / "index", SystemClock())
        started = time.perf_counter()
        with self.sessions.begin() as session:
            self.kb.open(session)
            self.kb.import_paths(session, [corpus])
        self.import_seconds = time.perf_counter() - started

    def search(self, text: str, limit: int) -> list[str]:
        """Return the keys of the best articles."""
        with self.sessions.begin() as session:
            return [hit.key for hit in self.kb.search(session, text, limit=limit, log=False)]

    def close(self) -> None:
        """Release the index."""
        self.kb.close()


def _corpus_docs(corpus: Path) -> list[tuple[str, str, str]]:
    """Return (key, title, body) for each Markdown file (title = first line)."""
    docs = []
    for path in sorted(corpus.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        title, _, body = text.partition("\n")
        docs.append((path.stem, title.strip(), body))
    return docs


class JiebaWhoosh:
    """Baseline: jieba's ChineseAnalyzer with Whoosh defaults (BM25F, MultifieldParser)."""

    def __init__(
        self, corpus: Path, workdir: Path, or_group: bool, one_field: bool = False
    ) -> None:
        from jieba.analyse import ChineseAnalyzer
        from whoosh import index, qparser
        from whoosh.fields import ID, TEXT, Schema

        analyzer = ChineseAnalyzer()
        schema = Schema(
            key=ID(stored=True), title=TEXT(analyzer=analyzer), content=TEXT(analyzer=analyzer)
        )
        directory = workdir / f"jieba-{or_group}-{one_field}"
        directory.mkdir()
        self.index = index.create_in(directory, schema)
        with self.index.writer() as writer:
            for key, title, body in _corpus_docs(corpus):
                if one_field:
                    writer.add_document(key=key, content=f"{title}\n{body}")
                else:
                    writer.add_document(key=key, title=title, content=body)
        group = qparser.OrGroup if or_group else qparser.AndGroup
        fields = ["content"] if one_field else ["title", "content"]
        self.parser = qparser.MultifieldParser(fields, schema, group=group)
        self.searcher = self.index.searcher()

    def search(self, text: str, limit: int) -> list[str]:
        """Return the keys of the best articles (query syntax errors give nothing)."""
        try:
            query = self.parser.parse(text)
        except Exception:  # noqa: BLE001 - a baseline must not stop the run
            return []
        return [hit["key"] for hit in self.searcher.search(query, limit=limit)]

    def close(self) -> None:
        """Release the index."""
        self.searcher.close()


class Fts5Trigram:
    """Baseline: SQLite FTS5 with the trigram tokenizer; the question's trigrams OR-ed."""

    def __init__(self, corpus: Path) -> None:
        self.db = sqlite3.connect(":memory:")
        self.db.execute(
            "CREATE VIRTUAL TABLE docs USING fts5(key UNINDEXED, title, body, tokenize='trigram')"
        )
        self.db.executemany("INSERT INTO docs VALUES (?, ?, ?)", _corpus_docs(corpus))

    def search(self, text: str, limit: int) -> list[str]:
        """Return the keys of the best articles by bm25()."""
        grams = {text[i : i + 3] for i in range(len(text) - 2) if text[i : i + 3].strip()}
        if not grams:
            return []
        match = " OR ".join('"' + gram.replace('"', '""') + '"' for gram in sorted(grams))
        rows = self.db.execute(
            "SELECT key FROM docs WHERE docs MATCH ? ORDER BY bm25(docs) LIMIT ?", (match, limit)
        )
        return [row[0] for row in rows]

    def close(self) -> None:
        """Close the database."""
        self.db.close()


def quality_table(
    corpus: Path, systems: tuple[str, ...] = ("ours", "jieba", "fts5")
) -> list[dict]:
    """Return one row per (system, part) with MRR@10 and recall@5."""
    workdir = Path(tempfile.mkdtemp(prefix="kb-quality-"))
    try:
        stripped = workdir / "stripped"
        parts = {
            "summary": (stripped, strip_summaries(corpus, stripped)),
            "what": (corpus, what_questions(corpus)),
            "how": (corpus, how_questions()),
        }
        if (KB_QUESTIONS / TLDR_DEV).is_file():
            tldr = tldr_questions()
            for kind in ("what", "how"):
                mine = [q for q in tldr if q.part.startswith(f"tldr-{kind}/")]
                parts[f"tldr-{kind}"] = (corpus, mine)
                for half in ("fit", "check"):
                    chosen = [q for q in mine if q.part.endswith(half)]
                    parts[f"tldr-{kind}/{half}"] = (corpus, chosen)
        rows = []
        for system in systems:
            for source in {id(c): c for c, _ in parts.values()}.values():
                rows += _rows_for(system, source, parts, workdir)
        return rows
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _make(system: str, source: Path, workdir: Path) -> list[tuple[str, object]]:
    """Build the named system(s) over `source`."""
    place = Path(tempfile.mkdtemp(dir=workdir))
    if system == "ours":
        return [("ours", Ours(source, place))]
    if system == "jieba":
        return [
            ("jieba+whoosh title+body, OR", JiebaWhoosh(source, place, or_group=True)),
            ("jieba+whoosh one field, OR", JiebaWhoosh(source, place, True, one_field=True)),
            ("jieba+whoosh title+body, AND", JiebaWhoosh(source, place, or_group=False)),
        ]
    return [("sqlite fts5 trigram", Fts5Trigram(source))]


def _rows_for(system: str, source: Path, parts: dict, workdir: Path) -> list[dict]:
    """Score one system on every part whose corpus is `source`."""
    rows = []
    for name, engine in _make(system, source, workdir):
        for part, (corpus, questions) in parts.items():
            if corpus is source:
                rows.append(
                    {
                        "system": name,
                        "part": part,
                        "n": len(questions),
                        **score(engine.search, questions),
                    }
                )
        engine.close()
    return rows


KB_QUESTIONS = Path(__file__).resolve().parents[3] / "shared" / "corpora" / "kb-questions"
TLDR_DEV = "tldr-zh-dev.jsonl"


def split_of(command: str) -> str:
    """Return "fit" or "check": a fixed split of the tldr dev set by command (crc32 parity),
    so parameters fitted on one half are checked on commands they never saw."""
    import zlib

    return "fit" if zlib.crc32(command.encode("utf-8")) % 2 == 0 else "check"


def tldr_questions(path: Path | None = None) -> list[Question]:
    """Return the tldr-pages dev questions; part is "tldr-what" / "tldr-how" + "/fit|check"."""
    import json

    source = path or KB_QUESTIONS / TLDR_DEV
    questions = []
    for line in source.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            part = f"tldr-{row['kind']}/{split_of(row['answer'])}"
            questions.append(Question(row["question"], (row["answer"],), part))
    return questions


OFFTOPIC = "offtopic_questions.txt"


def offtopic_questions() -> list[str]:
    """Return the hand-written questions the linux-command corpus cannot answer."""
    lines = (DATA / OFFTOPIC).read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def floor_rates(
    ours: Ours, questions: list[Question], floors: tuple[float, ...], shown: int = 3
) -> list[dict]:
    """For each floor: how many right answers shown in the top `shown` it would hide, and how
    many off-topic questions it would answer with nothing (instead of unrelated articles)."""

    def hits(text: str) -> list:
        with ours.sessions.begin() as session:
            return ours.kb.search(session, text, limit=shown, log=False, floor=0.0)

    answered = []
    for question in questions:
        right = [hit for hit in hits(question.text) if hit.key in question.answers]
        if right:
            answered.append(right[0].relevance)
    offtopic = [
        max((hit.relevance for hit in hits(text)), default=0.0) for text in offtopic_questions()
    ]
    return [
        {
            "floor": floor,
            "answered": len(answered),
            "hidden": sum(1 for value in answered if value < floor),
            "offtopic": len(offtopic),
            "emptied": sum(1 for value in offtopic if value < floor),
        }
        for floor in floors
    ]


def floor_table(corpus: Path, floors: tuple[float, ...]) -> list[dict]:
    """Return the floor rates over every dev question (ours and tldr) on `corpus`."""
    workdir = Path(tempfile.mkdtemp(prefix="kb-floor-"))
    try:
        ours = Ours(corpus, workdir)
        questions = what_questions(corpus) + how_questions()
        if (KB_QUESTIONS / TLDR_DEV).is_file():
            questions += tldr_questions()
        rows = floor_rates(ours, questions, floors)
        ours.close()
        return rows
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
