"""Chinese and mixed-script text analysis shared by indexing and querying.

Whoosh pickles the analyzer into the index schema, so the tokenizer classes below must stay
importable under this module path (`knowledge.analysis`). They carry no state: stop words and
the user dictionary live in `knowledge/data/` and are part of `analysis_fingerprint()`, which the
index compares at start-up to decide on a rebuild.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from collections.abc import Iterator
from functools import cache
from importlib import resources

from whoosh.analysis import Token, Tokenizer

from knowledge.segmenter import compact_tokenizer


def _import_jieba():  # type: ignore[no-untyped-def]
    """Import jieba without letting it import pkg_resources (≈5 MB and a deprecation warning):
    jieba then reads its dictionary with a plain open(), which is all it needs."""
    import sys

    blocked = "pkg_resources" not in sys.modules
    if blocked:
        sys.modules["pkg_resources"] = None  # type: ignore[assignment]
    try:
        import jieba as module
    finally:
        if blocked:
            del sys.modules["pkg_resources"]
    return module


jieba = _import_jieba()
_segmenter = compact_tokenizer(jieba)

logger = logging.getLogger(__name__)

#: Bump when the tokenizer's behaviour changes: indexes built before are rebuilt.
ANALYZER_VERSION = 3

_DATA = "knowledge.data"
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_ASCII_WORD = r"[A-Za-z0-9]+(?:[._\-+#@:/][A-Za-z0-9]+)*[+#]*"
_RUN_RE = re.compile(f"([{_CJK}]+)|({_ASCII_WORD})")
_PART_SPLIT_RE = re.compile(r"[._\-+#@:/]+")
_HAS_LETTER_RE = re.compile(r"[a-z]")
#: Full-width ASCII (ＶＰＮ, １２３) and the ideographic space map 1:1 onto ASCII, so offsets hold.
_FULLWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_FULLWIDTH_RE = re.compile("[\uff01-\uff5e\u3000]")

_warm_lock = threading.Lock()
_warm = False


def data_text(name: str) -> str:
    """Return the text of a packaged data file in `knowledge/data/`."""
    return resources.files(_DATA).joinpath(name).read_text(encoding="utf-8")


def _word_lines(name: str) -> list[str]:
    """Return the non-comment, non-blank lines of a packaged word list."""
    lines = (line.split("#", 1)[0].strip() for line in data_text(name).splitlines())
    return [line for line in lines if line]


@cache
def data_words(name: str) -> frozenset[str]:
    """Return the lower-cased, whitespace-separated words of a packaged word list."""
    return frozenset(word.lower() for line in _word_lines(name) for word in line.split())


def stop_words() -> frozenset[str]:
    """Words dropped at index and query time (Chinese function words, English stop words)."""
    return data_words("stopwords.txt")


def question_words() -> frozenset[str]:
    """Words dropped from questions only: 如何, 怎么, 请问, 命令 … carry no topic."""
    return data_words("question_words.txt")


def analysis_fingerprint() -> str:
    """Return a digest of everything that shapes indexed terms (version, stop list, dictionary)."""
    digest = hashlib.sha256(str(ANALYZER_VERSION).encode())
    for name in ("stopwords.txt", "userdict.txt"):
        digest.update(data_text(name).encode("utf-8"))
    return digest.hexdigest()[:16]


def warm_up() -> None:
    """Load jieba's dictionary and the domain user dictionary; call once at start-up."""
    global _warm
    with _warm_lock:
        if _warm:
            return
        jieba.setLogLevel(logging.WARNING)
        _segmenter.initialize()
        with resources.files(_DATA).joinpath("userdict.txt").open("rb") as handle:
            _segmenter.load_userdict(handle)
        _warm = True
        logger.info("jieba dictionary loaded")


def normalize_width(text: str) -> str:
    """Map full-width ASCII to half-width; the result has the same length as the input."""
    return text.translate(_FULLWIDTH) if _FULLWIDTH_RE.search(text) else text


_NAME_TRIM_RE = re.compile(r"[\s?？!！。,，:：;；\"'“”‘’()（）]+")
_ASCII_WORD_RE = re.compile(_ASCII_WORD)


def name_of(text: str) -> str:
    """Return the exact-match form of a title or question: folded, no spaces or punctuation."""
    return _NAME_TRIM_RE.sub("", normalize_width(text).lower()).strip(".")


def name_candidates(question: str) -> list[str]:
    """Return what in a question could be an article's whole title: each ASCII word, the whole."""
    words = [w.lower() for w in _ASCII_WORD_RE.findall(normalize_width(question))]
    return list(dict.fromkeys([*words, name_of(question)]))


def _ascii_terms(word: str) -> Iterator[str]:
    """Yield a lower-cased ASCII word and, for compounds like apt-get, its lettered parts."""
    yield word
    parts = _PART_SPLIT_RE.split(word)
    if len(parts) > 1:
        for part in parts:
            if len(part) > 1 and _HAS_LETTER_RE.search(part):
                yield part


def iter_terms(text: str) -> Iterator[tuple[str, int, int]]:
    """Yield (term, start, end) for every indexable term of `text`, stop words removed."""
    if not _warm:
        warm_up()
    stops = stop_words()
    for match in _RUN_RE.finditer(normalize_width(text)):
        cjk, word = match.group(1), match.group(2)
        start = match.start()
        if cjk:
            for term, begin, end in _segmenter.tokenize(cjk, mode="search", HMM=False):
                if term not in stops:
                    yield term, start + begin, start + end
        else:
            lowered = word.lower()
            for term in _ascii_terms(lowered):
                if term not in stops:
                    yield term, start, match.end()


def iter_bigrams(text: str) -> Iterator[tuple[str, int, int]]:
    """Yield overlapping character bigrams of the Chinese runs in `text` (partial matches)."""
    for match in _RUN_RE.finditer(normalize_width(text)):
        run = match.group(1)
        if not run:
            continue
        start = match.start()
        if len(run) == 1:
            yield run, start, start + 1
        for i in range(len(run) - 1):
            yield run[i : i + 2], start + i, start + i + 2


def terms(text: str) -> list[str]:
    """Return the analysed terms of `text` in order (duplicates kept)."""
    return [term for term, _, _ in iter_terms(text)]


def question_terms(text: str) -> list[str]:
    """Return the distinct topic terms of a question: analysed, question words removed."""
    asked = question_words()
    seen: dict[str, None] = {}
    for term in terms(text):
        if term not in asked:
            seen.setdefault(term, None)
    return list(seen)


class _StreamTokenizer(Tokenizer):
    """Base for the Whoosh tokenizers: turns (term, start, end) triples into Tokens."""

    def _triples(self, value: str) -> Iterator[tuple[str, int, int]]:
        """Yield (term, start, end) for `value`."""
        raise NotImplementedError

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        mode: str = "",
        **kwargs: object,
    ) -> Iterator[Token]:
        """Yield one reused Token per term, as Whoosh expects."""
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        pos = start_pos
        for term, begin, end in self._triples(value):
            token.text = term
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = term
            if positions:
                token.pos = pos
                pos += 1
            if chars:
                token.startchar = start_char + begin
                token.endchar = start_char + end
            yield token


class ChineseTokenizer(_StreamTokenizer):
    """jieba search-mode words for Chinese, whole and split ASCII words, lower-cased."""

    def _triples(self, value: str) -> Iterator[tuple[str, int, int]]:
        """Yield the analysed words of `value`."""
        return iter_terms(value)


class BigramTokenizer(_StreamTokenizer):
    """Overlapping Chinese character bigrams, for a low-weight partial-match field."""

    def _triples(self, value: str) -> Iterator[tuple[str, int, int]]:
        """Yield the Chinese bigrams of `value`."""
        return iter_bigrams(value)
