"""How strongly a message names each category, and which of them are distinct problems.

The arithmetic the rules and the model's parser share, kept out of the parser so its
procedure (normalise → rule out → score → place → urgency) reads in one screen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from bot.parsing.parsed import Learned
from bot.parsing.vocabulary import Vocabulary
from config.schema import ParserConfig


@dataclass
class Score:
    score: float = 0.0
    first: int = 1 << 30  # where the category is first named: problems keep message order
    exclusive: float = 0.0  # from words naming only this category (停满 names two)
    hits: list[tuple[int, float]] = field(default_factory=list)  # (where, weight) of each word


def score(
    keywords: Vocabulary,
    text: str,
    bounds: Callable[[], set[int]] | None,
    blocked: tuple[int, int] | None,
    learned: Learned | None,
) -> dict[str, Score]:
    """Category code -> the weight of its words in `text` (the place, `blocked`, excluded)."""
    scores: dict[str, Score] = {}
    found = keywords.matches(text, bounds, blocked)
    if learned is not None:
        found += learned.vocabulary.matches(text, None, blocked)
    for code, weight, pos, exclusive in found:
        if weight <= 0:
            continue
        entry = scores.setdefault(code, Score())
        entry.score += weight
        entry.first = min(entry.first, pos)
        entry.hits.append((pos, weight))
        if exclusive:
            entry.exclusive += weight
    return scores


def problem_codes(pc: ParserConfig, scores: dict[str, Score], ranked: list[str]) -> list[str]:
    """Distinct problems, in the order they are named.

    Conservative on purpose: a further problem needs a score of its own, from words that
    name it alone, and a fair share of the best one; categories a stronger one absorbs
    (垃圾 in a market) drop out.
    """
    top = scores[ranked[0]].score
    floor = max(pc.secondary_min_score, pc.secondary_ratio * top)
    kept = [
        c
        for c in ranked
        if c == ranked[0] or (scores[c].score >= floor and scores[c].exclusive >= pc.secondary_min_score)
    ]
    for code in list(kept):
        if code in kept:
            swallowed = set(pc.absorbs.get(code, ())) - {code}
            kept = [c for c in kept if c not in swallowed]
    return sorted(kept, key=lambda c: scores[c].first)


def urgent_owner(codes: list[str], scores: dict[str, Score], urgent_at: int | None) -> str | None:
    """The problem an urgent word belongs to: the last one named before it."""
    if urgent_at is None:
        return None
    before = [c for c in codes if c in scores and scores[c].first <= urgent_at]
    return before[-1] if before else codes[0]
