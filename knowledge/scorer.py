"""Term-at-a-time BM25F over the Whoosh index, with per-term score lists cached.

Whoosh's own matcher tree costs tens of milliseconds for a natural-language question that
expands to a hundred weighted terms. Here each (field, term) is read once per searcher into a
pair of arrays (docnums, BM25 scores); ranking.py adds those lists up per concept.
"""

from __future__ import annotations

import threading
from array import array
from collections import OrderedDict

from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching import Matcher
from whoosh.searching import Searcher

#: BM25F parameters: short fields barely normalise by length, long bodies fully.
K1 = 1.2
FIELD_B = {
    "title": 0.3,
    "tags": 0.3,
    "summary": 0.3,
    "lead": 0.5,
    "usage": 0.3,
    "questions": 0.3,
    "body": 0.75,
    "grams": 0.6,
}
DEFAULT_B = 0.75
#: Posting lists longer than this (and than this share of all documents) are only looked up
#: for the best candidates, not walked: on 20,000 articles 文件 or 显示 is in most of them.
COMMON_MIN_POSTINGS = 1500
COMMON_SHARE = 0.08
#: Upper bound on cached postings (pairs), to keep memory flat on large knowledge bases.
CACHE_POSTINGS = 3_000_000

#: The documents (ascending) having one term in one field, and the term's BM25 score in each:
#: compact arrays, 8 bytes a posting, so a large cache stays small.
Postings = tuple[array, array]
EMPTY: Postings = (array("i"), array("f"))


def _read_matcher(matcher: Matcher, offset: int, ids: list[int], weights: list[float]) -> None:
    """Append a leaf matcher's postings; whole blocks at a time for plain Whoosh 3 postings."""
    if type(matcher) is W3LeafMatcher:
        while matcher.is_active():
            matcher._read_ids()  # noqa: SLF001 - block read: 20× faster than per posting
            matcher._read_weights()  # noqa: SLF001
            ids.extend(offset + docnum for docnum in matcher._ids)  # noqa: SLF001
            weights.extend(matcher._weights)  # noqa: SLF001
            matcher._next_block()  # noqa: SLF001
        return
    while matcher.is_active():
        ids.append(offset + matcher.id())
        weights.append(matcher.weight())
        matcher.next()


class TermScores:
    """BM25 score lists per (field, term) for one searcher generation."""

    def __init__(self, searcher: Searcher) -> None:
        self.searcher = searcher
        self._lock = threading.Lock()
        self._cache: OrderedDict[tuple[str, str], Postings] = OrderedDict()
        self._cached = 0
        self._lengths: dict[str, array] = {}
        self._doc_count = searcher.doc_count_all()

    def _field_lengths(self, field: str) -> array:
        """Return every document's length in `field` (read once per searcher)."""
        if field not in self._lengths:
            reader = self.searcher.reader()
            # doc_field_length() answers None for an empty field.
            lengths = (reader.doc_field_length(d, field, 0) or 0 for d in range(self._doc_count))
            self._lengths[field] = array("I", lengths)
        return self._lengths[field]

    def _raw(self, field: str, term: str) -> tuple[list[int], list[float]]:
        """Read the postings of a term from every segment."""
        ids: list[int] = []
        weights: list[float] = []
        for leaf, offset in self.searcher.reader().leaf_readers():
            if (field, term) in leaf:
                _read_matcher(leaf.postings(field, term), offset, ids, weights)
        return ids, weights

    def _score(self, field: str, term: str) -> Postings:
        """Compute the BM25 score of the term in every document that has it."""
        ids, weights = self._raw(field, term)
        if not ids:
            return EMPTY
        idf = self.searcher.idf(field, term)
        average = self.searcher.avg_field_length(field) or 1.0
        lengths = self._field_lengths(field)
        b = FIELD_B.get(field, DEFAULT_B)
        norm = [K1 * (1.0 - b + b * lengths[d] / average) for d in ids]
        scores = [idf * w * (K1 + 1.0) / (w + n) for w, n in zip(weights, norm, strict=True)]
        return array("i", ids), array("f", scores)

    def get(self, field: str, term: str) -> Postings:
        """Return (docnums, scores) for a term, from the cache when possible."""
        key = (field, term)
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
                return cached
        postings = self._score(field, term)
        with self._lock:
            self._cache[key] = postings
            self._cached += len(postings[0])
            while self._cached > CACHE_POSTINGS and len(self._cache) > 1:
                _, (old, _) = self._cache.popitem(last=False)
                self._cached -= len(old)
        return postings

    def idf(self, field: str, term: str) -> float:
        """Return the term's idf in `field` (0 when absent)."""
        if (field, term) not in self.searcher.reader():
            return 0.0
        return self.searcher.idf(field, term)

    def document_count(self) -> int:
        """Return the number of documents (deleted ones included) of this generation."""
        return self._doc_count

    def is_common(self, postings: Postings) -> bool:
        """Whether a posting list is too long to walk for every question (large bases only)."""
        return len(postings[0]) > max(COMMON_MIN_POSTINGS, COMMON_SHARE * self._doc_count)
