"""Ranking: weighted BM25F per concept, a coordination bonus, and a bounded feedback lift.

Two phases keep large knowledge bases fast: the selective posting lists (title, summary and
rare body terms) are walked to find a pool of candidates; only those candidates are then
scored exactly, looking up the long, common posting lists.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left
from dataclasses import dataclass, field

from knowledge.analysis import iter_bigrams
from knowledge.query import FIELD_BOOSTS, GRAMS_BOOST, SYNONYM_WEIGHT, Concept
from knowledge.scorer import Postings, TermScores

#: How many candidates go on to the database check and the feedback lift.
CANDIDATES = 40
#: How many documents of the first phase are scored exactly.
POOL = 150
#: Within a concept the best term counts fully, the others (synonyms, parts) this much.
TIE_BREAKER = 0.6
#: Coordination bonus: score × (1 + COORDINATION × idf-weighted share of concepts matched).
COORDINATION = 1.0
#: An exact title match (a command name, or the whole question) adds its idf × NAME_BOOST
#: divided by the number of concepts: decisive for "what is X", a hint in a long question.
NAME_BOOST = 6.0
#: Feedback may lift a score by at most this share, so it cannot bury a clearly better match.
MAX_FEEDBACK_LIFT = 0.10
FEEDBACK_PRIOR = 10.0
VIEW_WEIGHT = 0.2
IDF_FIELD = "body"


@dataclass
class Candidate:
    """A document found in the index, with its score and the share of concepts it covers
    (words the knowledge base has never seen count as concepts not covered)."""

    docnum: int
    score: float
    coverage: float
    key: str = ""


@dataclass
class TermPlan:
    """One term of a concept: its walked (selective) scores and its long posting lists."""

    selective: dict[int, float] = field(default_factory=dict)
    common: list[tuple[Postings, float]] = field(default_factory=list)

    def value(self, docnum: int) -> float:
        """Return the term's weighted score in a document."""
        value = self.selective.get(docnum, 0.0)
        for (ids, scores), weight in self.common:
            index = bisect_left(ids, docnum)
            if index < len(ids) and ids[index] == docnum:
                value += scores[index] * weight
        return value


@dataclass
class ConceptPlan:
    """A concept ready for scoring: strong terms count for coordination, weak ones do not."""

    weight: float
    strong: list[TermPlan]
    weak: list[TermPlan]


def concept_weights(scores: TermScores, concepts: list[Concept]) -> list[float]:
    """Return each concept's weight: the best body idf of its own terms × the concept weight."""
    weights = []
    for concept in concepts:
        idfs = [scores.idf(IDF_FIELD, term) for term in concept.own_terms]
        if not any(idfs):
            idfs = [scores.idf(IDF_FIELD, term) for term in concept.all_terms]
        weights.append(max(idfs, default=0.0) * concept.weight)
    return weights


def unknown_weight(concepts: list[Concept], weights: list[float]) -> float:
    """Return the weight of the concepts no article mentions, each counted as much as the
    question's weightiest known concept (scale-free, so small knowledge bases behave alike):
    a question about 食堂 is not answered by an article that only matches its other words."""
    heaviest = max(weights, default=0.0)
    return sum(
        heaviest * concept.weight
        for concept, weight in zip(concepts, weights, strict=True)
        if weight == 0.0
    )


def _term_plan(scores: TermScores, fields: list[tuple[Postings, float]]) -> TermPlan:
    """Walk the selective posting lists of a term; keep the common ones for lookups."""
    plan = TermPlan()
    selective = plan.selective
    for postings, weight in fields:
        if scores.is_common(postings):
            plan.common.append((postings, weight))
            continue
        for docnum, value in zip(*postings, strict=True):
            selective[docnum] = selective.get(docnum, 0.0) + weight * value
    return plan


def _plan(scores: TermScores, concept: Concept, weight: float) -> ConceptPlan:
    """Fetch the posting lists of every (term, field) of a concept."""
    plan = ConceptPlan(weight, [], [])
    for term, term_weight in concept.terms:
        fields = [
            (scores.get(name, term), boost * term_weight * concept.weight)
            for name, boost in FIELD_BOOSTS.items()
        ]
        fields = [(postings, w) for postings, w in fields if len(postings[0]) and w > 0]
        if fields:
            target = plan.strong if term_weight >= SYNONYM_WEIGHT else plan.weak
            target.append(_term_plan(scores, fields))
    for gram in dict.fromkeys(g for t in concept.own_terms for g, _, _ in iter_bigrams(t)):
        postings = scores.get("grams", gram)
        if len(postings[0]):
            plan.weak.append(_term_plan(scores, [(postings, GRAMS_BOOST * concept.weight)]))
    return plan


def _pool(
    plans: list[ConceptPlan], bonus: dict[int, float], allowed: set[int] | None
) -> list[int]:
    """Add up the walked scores; return the allowed documents scoring best so far."""
    partial: dict[int, float] = dict(bonus)
    get = partial.get
    for plan in plans:
        for term in plan.strong + plan.weak:
            for docnum, value in term.selective.items():
                partial[docnum] = get(docnum, 0.0) + value
    found = partial if allowed is None else (d for d in partial if d in allowed)
    return heapq.nlargest(POOL, found, key=get)


def _exact(docnum: int, plans: list[ConceptPlan]) -> tuple[float, float]:
    """Return a document's text score and covered concept weight."""
    score = covered = 0.0
    for plan in plans:
        for terms, counts in ((plan.strong, True), (plan.weak, False)):
            best = total = 0.0
            for term in terms:
                value = term.value(docnum)
                total += value
                if value > best:
                    best = value
            if total:
                score += best + TIE_BREAKER * (total - best)
                covered += plan.weight if counts else 0.0
    return score, covered


def _names(scores: TermScores, names: list[str], concepts: int) -> dict[int, float]:
    """Return docnum → bonus for documents whose whole title is in the question."""
    bonus: dict[int, float] = {}
    for name in names:
        for docnum, value in zip(*scores.get("name", name), strict=True):
            bonus[docnum] = bonus.get(docnum, 0.0) + value * NAME_BOOST / max(1, concepts)
    return bonus


def candidates_for(
    scores: TermScores,
    concepts: list[Concept],
    names: list[str],
    allowed: set[int] | None,
    limit: int = CANDIDATES,
) -> list[Candidate]:
    """Return the best `limit` allowed documents, coordination applied, best first."""
    weights = concept_weights(scores, concepts)
    total = sum(weights) or 1.0
    asked = total + unknown_weight(concepts, weights)
    plans = [_plan(scores, c, w) for c, w in zip(concepts, weights, strict=True)]
    bonus = _names(scores, names, len(concepts))
    reader = scores.searcher.reader()
    ranked = []
    for docnum in _pool(plans, bonus, allowed):
        if allowed is None and reader.is_deleted(docnum):
            continue
        text, covered = _exact(docnum, plans)
        text += bonus.get(docnum, 0.0)
        # A question naming the article's whole title (a command name) is about it.
        share = 1.0 if docnum in bonus else covered / asked
        ranked.append(Candidate(docnum, text * (1.0 + COORDINATION * covered / total), share))
    best = heapq.nlargest(limit, ranked, key=lambda c: c.score)
    for candidate in best:
        candidate.key = scores.searcher.stored_fields(candidate.docnum)["key"]
    return best


def feedback_lift(helpful: int, unhelpful: int, views: int) -> float:
    """Return the bounded multiplier earned by 有帮助 votes and views (1.0 … 1 + MAX)."""
    positive = helpful + VIEW_WEIGHT * views
    evidence = positive + unhelpful + FEEDBACK_PRIOR
    share = max(0.0, positive - unhelpful) / evidence
    return 1.0 + MAX_FEEDBACK_LIFT * share
