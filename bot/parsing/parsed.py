"""What the parser returns: data for the services to decide on, never a decision itself.

Kept apart from the parser so the ticket and chat layers can name a Problem without
importing the parsing machinery (jieba, the model, the place extractor).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.parsing.vocabulary import Vocabulary


@dataclass(frozen=True)
class Problem:
    category: str  # taxonomy code
    unit: str  # the category's default unit code
    location: str | None  # place phrase as written, None when no place is named
    urgent: bool
    confidence: float  # 0..1
    suggestions: tuple[str, ...] = ()  # top-3 category codes, best first


@dataclass(frozen=True)
class ParsedMessage:
    is_report: bool
    problems: tuple[Problem, ...] = ()
    # Not a report, but close to one (some problem evidence under the bar): kept as 疑似上报
    # for the office to look at, never silently dropped.
    near_miss: bool = False


NOT_A_REPORT = ParsedMessage(is_report=False)


@dataclass(frozen=True)
class Learned:
    """What supervisors' corrections taught (bot/tickets/routing_memory.py): word -> category, unit."""

    vocabulary: Vocabulary  # word -> [(category, weight)]
    units: dict[str, tuple[str, str]]  # word -> (category, unit)


def learned_unit(problem: Problem, text: str, learned: Learned | None) -> Problem:
    """A 转派 taught that this word's reports of this category belong to another unit."""
    if learned is None or not learned.units:
        return problem
    for _start, _end, word in learned.vocabulary.occurrences(text):
        category, unit = learned.units.get(word, ("", ""))
        if category == problem.category and unit != problem.unit:
            confidence = max(problem.confidence, 0.9)
            return replace(problem, unit=unit, confidence=confidence)
    return problem
