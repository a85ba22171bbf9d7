"""The compact segmenter cuts exactly as stock jieba does, with the same user dictionary."""

from __future__ import annotations

from collections.abc import Iterable
from importlib import resources
from pathlib import Path

import pytest

from knowledge import analysis

SHARED = Path(__file__).resolve().parents[3] / "shared"
STARTER = Path(analysis.__file__).parent / "starter"
SAMPLE = Path(__file__).parent / "data" / "segmenter_sample.txt"


def _read(files: Iterable[Path]) -> list[str]:
    return [f.read_text(encoding="utf-8") for f in files if f.is_file()]


def _compare(texts: list[str]) -> int:
    """Assert both segmenters cut every CJK run of `texts` alike; return how many runs."""
    analysis.warm_up()
    stock = analysis.jieba.Tokenizer()
    stock.initialize()
    with resources.files("knowledge.data").joinpath("userdict.txt").open("rb") as handle:
        stock.load_userdict(handle)
    compact = analysis._segmenter
    assert len(compact.FREQ) < 0.75 * len(stock.FREQ)  # no prefix entries
    compared = 0
    for text in texts:
        for run in analysis._RUN_RE.finditer(text):
            if run.group(1):
                assert list(compact.tokenize(run.group(1), mode="search", HMM=False)) == \
                    list(stock.tokenize(run.group(1), mode="search", HMM=False)), run.group(1)
                compared += 1
    return compared


def test_same_words_as_stock_jieba() -> None:
    """On the texts in this repository: the starter articles and a sample of desk sentences."""
    texts = _read(sorted(STARTER.rglob("*.md"))) + _read([SAMPLE])
    texts.append("打印机无法打印显示脱机，电子印章怎么申请？中华人民共和国政府信息公开条例")
    assert _compare(texts) > 1000


@pytest.mark.skipif(not (SHARED / "corpora" / "linux-command").is_dir(),
                    reason="../shared/corpora/linux-command is not beside this clone")
def test_same_words_on_the_shared_corpus() -> None:
    """On a sixth of the linux-command corpus and the seed documents, when they are present."""
    texts = _read(sorted((SHARED / "corpora" / "linux-command").glob("*.md"))[::6])
    texts += _read(sorted((SHARED / "seeds").glob("*")))
    assert _compare(texts) > 1000
