"""Search quality check: dev-set MRR@10 must not drop more than TOLERANCE below the record.

One import of the linux-command corpus into a tmp knowledge base, then the development
questions in-process: the tldr-pages Chinese dev set (../shared/corpora/kb-questions, by kind)
and our own hand-written "how do I" questions. The recorded figures live in
quality_baseline.json beside this file; after a deliberate improvement, raise them (the
command that prints the current figures: `python -m tests.knowledge.test_quality`).
"""

from __future__ import annotations

import importlib.util
import json
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "corpora"
CORPUS = SHARED / "linux-command"
DEV_SET = SHARED / "kb-questions" / "tldr-zh-dev.jsonl"
BASELINE = Path(__file__).with_name("quality_baseline.json")
TOLERANCE = 0.02

pytestmark = pytest.mark.skipif(
    not (CORPUS.is_dir() and DEV_SET.is_file()),
    reason="../shared/corpora (linux-command and kb-questions) not present: quality not checked",
)


def _quality_module() -> ModuleType:
    """Load tests/benchmarks/quality.py (the benchmark harness is not a package)."""
    spec = importlib.util.spec_from_file_location(
        "kb_quality", ROOT / "tests" / "benchmarks" / "quality.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("kb_quality", module)
    spec.loader.exec_module(module)
    return module


def dev_figures(quality: ModuleType, workdir: Path) -> dict[str, float]:
    """Import the corpus once and return MRR@10 per dev part."""
    parts: dict[str, list] = {}
    for question in quality.tldr_questions(DEV_SET):
        parts.setdefault(question.part.split("/")[0], []).append(question)
    parts["own-how"] = quality.how_questions()
    ours = quality.Ours(CORPUS, workdir)
    try:
        return {
            part: round(quality.score(ours.search, questions)["mrr10"], 3)
            for part, questions in sorted(parts.items())
        }
    finally:
        ours.close()


@pytest.fixture(scope="module")
def figures() -> Iterator[dict[str, float]]:
    with tempfile.TemporaryDirectory(prefix="kb-quality-") as scratch:
        yield dev_figures(_quality_module(), Path(scratch))


def test_dev_set_mrr_has_not_dropped(figures: dict[str, float]) -> None:
    recorded = json.loads(BASELINE.read_text(encoding="utf-8"))["mrr10"]
    assert set(recorded) == set(figures)
    dropped = {
        part: (recorded[part], figures[part])
        for part in recorded
        if figures[part] < recorded[part] - TOLERANCE
    }
    assert not dropped, f"MRR@10 dropped more than {TOLERANCE} (recorded, now): {dropped}"


if __name__ == "__main__":
    with tempfile.TemporaryDirectory(prefix="kb-quality-") as scratch:
        print(json.dumps(dev_figures(_quality_module(), Path(scratch)), indent=2))
