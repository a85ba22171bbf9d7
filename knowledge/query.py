"""Turning a user's question into weighted concepts and a Whoosh query (never parsed as syntax).

A concept is one thing the question is about: a word as jieba cuts it, the shorter words
search mode finds inside it (partial matches, lower weight), and the synonyms of the word or
of the phrase around it (lower weight). Coordination is counted per concept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from whoosh import query as wq

from knowledge.analysis import (
    data_words,
    iter_terms,
    normalize_width,
    question_words,
)
from knowledge.synonyms import Occurrence, Synonyms

#: Only the start of a very long question is analysed.
MAX_QUESTION_CHARS = 400
MAX_CONCEPTS = 16
MAX_ALTERNATIVES = 8
#: Query-time field weights: title > tags > opening paragraphs (summary counts twice) > body;
#: usage (example descriptions, code comments, options) fitted on half the tldr dev set;
#: questions (accepted similar questions) weigh like tags (no data to fit them on yet).
FIELD_BOOSTS = {
    "title": 5.0,
    "tags": 3.0,
    "questions": 3.0,
    "summary": 1.0,
    "lead": 2.0,
    "usage": 2.0,
    "body": 1.0,
}
GRAMS_BOOST = 0.3
SYNONYM_WEIGHT = 0.5
PART_WEIGHT = 0.4
#: apt and get in apt-get, tar in tar.gz: parts of ASCII compounds say a lot.
ASCII_PART_WEIGHT = 0.7
SINGLE_CHAR_WEIGHT = 0.5
CONTEXT_WEIGHT = 0.3

Span = tuple[int, int]


@dataclass(frozen=True)
class Concept:
    """One thing the question is about: weighted terms and the concept's own weight."""

    terms: tuple[tuple[str, float], ...]
    weight: float = 1.0
    text: str = ""

    @property
    def all_terms(self) -> tuple[str, ...]:
        """Every term of the concept (own words, parts and synonyms)."""
        return tuple(term for term, _ in self.terms)

    @property
    def own_terms(self) -> tuple[str, ...]:
        """The terms written in the question itself (weight 1)."""
        return tuple(term for term, weight in self.terms if weight >= 1.0)


def prepare(question: str) -> str:
    """Return the part of a question that is analysed: trimmed, half-width, lower-cased."""
    return normalize_width(question[:MAX_QUESTION_CHARS]).lower()


def context_words() -> frozenset[str]:
    """Words that set the scene (服务器, 电脑 …) rather than say what is asked."""
    return data_words("context_words.txt")


@lru_cache(maxsize=4096)
def whole_words(text: str) -> tuple[str, ...]:
    """Return the maximal terms of `text` (no search-mode parts), question words removed."""
    asked = question_words()
    found = [(t, s, e) for t, s, e in iter_terms(text) if t not in asked]
    return tuple(
        dict.fromkeys(
            t
            for t, s, e in found
            if not any(s2 <= s and e <= e2 and (s2, e2) != (s, e) for _, s2, e2 in found)
        )
    )


def _words_with_parts(text: str) -> list[tuple[str, Span, list[str]]]:
    """Return (word, span, parts inside it) for the maximal terms of the question."""
    asked = question_words()
    found = [(t, (s, e)) for t, s, e in iter_terms(text) if t not in asked]
    words: list[tuple[str, Span, list[str]]] = []
    for term, span in found:
        inside = [w for w in words if w[1][0] <= span[0] and span[1] <= w[1][1]]
        # A part of an ASCII compound (apt of apt-get) shares the compound's span.
        if inside and (inside[0][1] != span or term.isascii()):
            inside[0][2].append(term)
            continue
        # jieba yields parts before their word: adopt earlier terms this word contains.
        adopted = [w for w in words if span[0] <= w[1][0] and w[1][1] <= span[1]]
        words = [w for w in words if w not in adopted]
        parts = [p for w in adopted for p in [w[0], *w[2]] if p != term]
        words.append((term, span, parts))
    return words


def _group_numbers(
    word: str, span: Span, occurrences: list[Occurrence], synonyms: Synonyms
) -> tuple[Span, set[int]]:
    """Return the anchor span (the longest synonym phrase around the word) and its groups."""
    covering = [o for o in occurrences if o.start <= span[0] and span[1] <= o.end]
    numbers = {o.group for o in covering} | synonyms.groups_of(word)
    if not covering:
        return span, numbers
    widest = max(covering, key=lambda o: o.end - o.start)
    return (widest.start, widest.end), numbers


def _own_weight(word: str) -> float:
    """Weight of a question word: single Chinese characters and context words count less."""
    weight = CONTEXT_WEIGHT if word in context_words() else 1.0
    if len(word) == 1 and not word.isascii():
        weight *= SINGLE_CHAR_WEIGHT
    return weight


@dataclass
class _Draft:
    """A concept being assembled: the question's words, their parts, the synonym groups."""

    words: dict[str, float] = field(default_factory=dict)
    parts: list[str] = field(default_factory=list)
    groups: set[int] = field(default_factory=set)

    def weighted_terms(self, synonyms: Synonyms | None) -> dict[str, float]:
        """Return term → weight: words 1, parts less, synonyms less (no single characters)."""
        weighted = dict.fromkeys(self.words, 1.0)
        for part in self.parts:
            weighted.setdefault(part, ASCII_PART_WEIGHT if part.isascii() else PART_WEIGHT)
        members = [m for n in sorted(self.groups) for m in synonyms.group(n)] if synonyms else []
        alternatives = dict.fromkeys(alt for member in members for alt in whole_words(member))
        fresh = [a for a in alternatives if a not in weighted and (len(a) > 1 or a.isascii())]
        for alt in fresh[:MAX_ALTERNATIVES]:
            weighted[alt] = SYNONYM_WEIGHT
        return weighted


def _drafts(text: str, synonyms: Synonyms | None) -> dict[Span, _Draft]:
    """Group the question's words by the synonym phrase (or word) they belong to."""
    drafts: dict[Span, _Draft] = {}
    occurrences = synonyms.find(text) if synonyms is not None else []
    for word, span, parts in _words_with_parts(text):
        anchor, numbers = span, set()
        if synonyms is not None:
            anchor, numbers = _group_numbers(word, span, occurrences, synonyms)
        draft = drafts.setdefault(anchor, _Draft())
        draft.words[word] = _own_weight(word)
        draft.parts.extend(parts)
        draft.groups.update(numbers)
    return drafts


def concepts_of(question: str, synonyms: Synonyms | None) -> list[Concept]:
    """Split a question into concepts; words inside one synonym phrase form one concept."""
    text = prepare(question)
    concepts: list[Concept] = []
    seen: set[str] = set()
    for anchor, draft in list(_drafts(text, synonyms).items())[:MAX_CONCEPTS]:
        fresh = {t: w for t, w in draft.weighted_terms(synonyms).items() if t not in seen}
        seen.update(fresh)
        if any(term in draft.words for term in fresh):
            weight = max(draft.words.values())
            concepts.append(Concept(tuple(fresh.items()), weight, text[slice(*anchor)]))
    return concepts


def filter_query(statuses: tuple[str, ...], category: str | None) -> wq.Query | None:
    """Return the status/category filter, or None when everything is allowed."""
    parts: list[wq.Query] = []
    if statuses:
        parts.append(wq.Or([wq.Term("status", status) for status in statuses]))
    if category:
        parts.append(wq.Term("category", category))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else wq.And(parts)
