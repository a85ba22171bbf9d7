"""The compact segmenter cuts exactly as stock jieba does, with the same user dictionary."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from knowledge import analysis

SEEDS = Path(__file__).resolve().parents[3] / "shared"
STARTER = Path(analysis.__file__).parent / "starter"


def _texts() -> list[str]:
    files = sorted(STARTER.rglob("*.md"))
    files += sorted((SEEDS / "corpora" / "linux-command").glob("*.md"))[::6]
    files += sorted((SEEDS / "seeds").glob("*"))
    texts = [f.read_text(encoding="utf-8") for f in files if f.is_file()]
    texts.append("打印机无法打印显示脱机，电子印章怎么申请？中华人民共和国政府信息公开条例")
    return texts


def test_same_words_as_stock_jieba() -> None:
    analysis.warm_up()
    stock = analysis.jieba.Tokenizer()
    stock.initialize()
    with resources.files("knowledge.data").joinpath("userdict.txt").open("rb") as handle:
        stock.load_userdict(handle)
    compact = analysis._segmenter
    assert len(compact.FREQ) < 0.75 * len(stock.FREQ)  # no prefix entries
    compared = 0
    for text in _texts():
        for run in analysis._RUN_RE.finditer(text):
            if run.group(1):
                assert list(compact.tokenize(run.group(1), mode="search", HMM=False)) == \
                    list(stock.tokenize(run.group(1), mode="search", HMM=False))
                compared += 1
    assert compared > 1000
