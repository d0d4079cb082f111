"""What the statistical layer sees of a message: character n-grams and the rules' evidence.

Training (`bot/parsing/training.py`) and prediction (`bot/parsing/model.py`) both build their
inputs here, so the two cannot drift apart. Character n-grams need no word segmentation,
which keeps a parse within its time budget (jieba costs as much as the whole rest) and
copes with voice-to-text and homophones, where word edges are unreliable anyway.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

NGRAM_SIZES = (1, 2, 3)
_DIGITS = re.compile(r"\d+")
_LATIN = re.compile(r"[A-Za-z]+")


def ngrams(clean: str, sizes: tuple[int, ...] = NGRAM_SIZES) -> set[str]:
    """Distinct character 1–3-grams of the cleaned text, digit runs and Latin words folded.

    "3栋" and "15栋" both read "0栋"; "A3区" reads "a0区": numbers name places, not problems.
    ^ and $ mark the ends, so "^认领" (a command at the start) differs from "认领" mid-text.
    """
    text = marked(clean)
    found: set[str] = set()
    for size in sizes:
        for start in range(len(text) - size + 1):
            found.add(text[start : start + size])
    return found


def marked(clean: str) -> str:
    """The text as n-grams are cut from it: digits and Latin folded, ends marked (see `ngrams`)."""
    return f"^{_LATIN.sub(lambda m: m.group().lower()[:1], _DIGITS.sub('0', clean.replace(' ', '')))}$"


class NgramIndex:
    """Finds a text's known n-grams in one pass of an Aho-Corasick automaton (in C).

    Equivalent to looking every n-gram of `ngrams(text)` up in the vocabulary, at a fraction
    of the cost: this runs for every message the bot reads.
    """

    def __init__(self, vocabulary: Mapping[str, int]) -> None:
        import ahocorasick

        self._automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS)
        for gram, index in vocabulary.items():
            self._automaton.add_word(gram, index)
        self._empty = not vocabulary
        if not self._empty:
            self._automaton.make_automaton()

    def ids(self, clean: str) -> set[int]:
        if self._empty:
            return set()
        return {index for _end, index in self._automaton.iter(marked(clean))}


@dataclass(frozen=True)
class RuleSignals:
    """The rules' evidence about one message, as the model reads it."""

    scores: Mapping[str, float]  # category code -> keyword score
    urgent_hits: int
    report_cue: bool  # 问题上报, 投诉, 反映 ...
    notice_cue: bool  # 通知, 各单位, 整治行动 ...
    done: bool  # 已清理, 已经修好了 ...
    question: bool  # 请问, 是不是 ...
    ends_with_question: bool
    place: bool
    rules_say_report: bool
    length: int


RULE_FEATURES = (
    "urgent_hits",
    "report_cue",
    "notice_cue",
    "done",
    "question",
    "ends_with_question",
    "place",
    "rules_say_report",
    "short",
    "medium",
    "long",
    "top_score",
)


def rule_vector(signals: RuleSignals, categories: Sequence[str]) -> list[float]:
    """Fixed-order numbers: one per category (its keyword score, squashed), then RULE_FEATURES."""
    scores = [min(signals.scores.get(code, 0.0), 6.0) / 3.0 for code in categories]
    top = max(scores, default=0.0)
    return [
        *scores,
        min(signals.urgent_hits, 2) / 2.0,
        float(signals.report_cue),
        float(signals.notice_cue),
        float(signals.done),
        float(signals.question),
        float(signals.ends_with_question),
        float(signals.place),
        float(signals.rules_say_report),
        float(signals.length < 8),
        float(8 <= signals.length < 30),
        float(signals.length >= 60),
        top,
    ]
