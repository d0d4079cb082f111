"""Reads a group message: is it a new problem report, and which problems does it name.

The parser returns data; the ticket service decides what to do with it. Every word it relies
on lives in the config (`categories.*.keywords`, `urgent.keywords`, `parser:`), because the
district clerks, not developers, learn the local slang. The code only holds the procedure:
normalise -> rule out commands, replies, notices, follow-ups and questions -> score
categories -> find the place -> decide urgency.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from dataclasses import dataclass

from bot.place_extractor import PlaceExtractor
from config.schema import GuanjiaConfig


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


NOT_A_REPORT = ParsedMessage(is_report=False)
_OTHER_CONFIDENCE = 0.2  # a report that matched no category: let the 创城办 decide
_PLACEHOLDER_RE = re.compile(r"\[[^\[\]]{1,6}\]")  # [图片] [语音] [文件]
_INVISIBLE = {"\u200d", "\ufe0e", "\ufe0f"}
_SEPARATORS = " ,.;:!?、，。；：！？\n"

# jieba loads its dictionary in ~1 s; do it once per process, on first use, not at import.
_jieba_lock = threading.Lock()
_jieba_words: set[str] = set()


def _tokenize(text: str, user_words: frozenset[str]) -> list[str]:
    import jieba

    if not user_words <= _jieba_words:
        with _jieba_lock:
            if not _jieba_words:
                jieba.setLogLevel(logging.WARNING)
                jieba.initialize()
            for word in user_words - _jieba_words:
                jieba.add_word(word, freq=20000)
                _jieba_words.add(word)
    return jieba.lcut(text)


def normalize(text: str) -> str:
    """Fold full-width forms (ＡＢ１，) with NFKC; emoji and [图片] become spaces."""
    text = _PLACEHOLDER_RE.sub(" ", unicodedata.normalize("NFKC", text))
    text = "".join(
        " " if ch in _INVISIBLE or unicodedata.category(ch) in ("So", "Sk", "Cs", "Co") else ch for ch in text
    )
    return re.sub(r"\s+", " ", text).strip()


def _nfkc(words: list[str]) -> list[str]:
    return sorted({unicodedata.normalize("NFKC", w) for w in words if w}, key=len, reverse=True)


def _alternation(words: list[str]) -> str:
    """Regex alternative of literal words; an empty list matches nothing (not everything)."""
    return "|".join(map(re.escape, _nfkc(words))) or "(?!)"


@dataclass
class _Score:
    score: float = 0.0
    first: int = 1 << 30  # where the category is first named: problems keep message order


class _Vocabulary:
    """Keyword -> weight lookups; "A+B" entries count only when every part is present."""

    def __init__(self, weighted: dict[str, dict[str, float]]) -> None:
        self.simple: dict[str, list[tuple[str, float]]] = {}
        self.combos: list[tuple[tuple[str, ...], str, float]] = []
        for code, words in weighted.items():
            for raw, weight in words.items():
                word = unicodedata.normalize("NFKC", raw)
                if "+" in word:
                    self.combos.append((tuple(p for p in word.split("+") if p), code, weight))
                elif word:
                    self.simple.setdefault(word, []).append((code, weight))

    def matches(self, text: str, bounds: set[int] | None) -> list[tuple[str, float, int]]:
        """(code, weight, position) per distinct word found.

        A word inside a longer matched word does not count (垃圾 in 建筑垃圾, 广告 in 公益广告);
        a zero-weight word therefore masks its parts. Two words sharing characters are two
        readings of the same text, so the later one counts only for the same category
        (垃圾堆|堆了: garbage, not also piles). A match cutting through jieba words on both
        ends is probably an accident of adjacent characters and counts half.
        """
        spans: list[tuple[int, int, str]] = []
        for word in self.simple:
            at = text.find(word)
            while at >= 0:
                spans.append((at, at + len(word), word))
                at = text.find(word, at + 1)
        seen: set[str] = set()
        taken: list[tuple[int, int, set[str]]] = []
        found: list[tuple[str, float, int]] = []
        for start, end, word in sorted(spans):
            if word in seen or any(s <= start and end <= e and e - s > end - start for s, e, _ in spans):
                continue
            codes = {code for code, _ in self.simple[word]}
            if any(s < end and start < e and not codes & owners for s, e, owners in taken):
                continue
            seen.add(word)
            taken.append((start, end, codes))
            factor = 1.0 if bounds is None or start in bounds or end in bounds else 0.5
            found.extend((code, weight * factor, start) for code, weight in self.simple[word])
        for parts, code, weight in self.combos:
            positions = [text.find(p) for p in parts]
            if min(positions) >= 0:
                found.append((code, weight, min(positions)))
        return found


class MessageParser:
    def __init__(self, cfg: GuanjiaConfig) -> None:
        self._cfg = cfg
        pc = cfg.parser
        self._keywords = _Vocabulary({code: c.keywords for code, c in cfg.categories.items()})
        self._urgent = _Vocabulary({"urgent": dict.fromkeys(cfg.urgent.keywords, 1.0)})
        self._places = PlaceExtractor(pc)
        self._non_report = _nfkc(pc.non_report_cues)
        self._report_cues = _nfkc(pc.report_cues)
        self._questions = _nfkc(pc.question_cues)
        self._acks = _nfkc(pc.ack_words)
        self._jieba_words = frozenset(
            {
                *_nfkc(pc.user_words),
                *(w for w in self._keywords.simple if len(w) > 1),
            }
        )
        names = [*cfg.bot_names, "所有人", *cfg.people.values()]
        for unit in cfg.units.values():
            names += [unit.name, *unit.aliases]
        self._mention_re = re.compile(r"@(?:" + "|".join(map(re.escape, _nfkc(names))) + r"|[^\s@]{1,12}(?=\s|$))?")
        verbs = _alternation(pc.command_words)
        self._command_re = re.compile(rf"^(?:#\s*\d+|(?:{verbs})(?=[\s#\d]|$))", re.IGNORECASE)
        done = _alternation(pc.done_words)
        # 已/已经 + up to four characters without a negation + a "fixed" verb: 已组织清理完毕.
        self._done_re = re.compile(rf"已(?:经)?[^\s{_SEPARATORS}没未不无]{{0,4}}?(?:{done})")

    # --- public -------------------------------------------------------------------------

    def parse(self, text: str) -> ParsedMessage:
        clean = self._mention_re.sub(" ", normalize(text)).strip()
        if not clean or self._is_chatter(clean):
            return NOT_A_REPORT
        bounds = self._token_bounds(clean)
        scores = self._score(clean, bounds)
        ranked = sorted(scores, key=lambda c: -scores[c].score)
        top = scores[ranked[0]].score if ranked else 0.0
        place = self._places.extract(clean)
        urgent_hits = self._urgent.matches(clean, None)
        has_cue = any(cue in clean for cue in self._report_cues)
        pc = self._cfg.parser
        if clean[-1] in "?？" and not (place and top >= pc.report_score):
            return NOT_A_REPORT
        if not (
            urgent_hits
            or top >= pc.report_score
            or (top >= pc.weak_report_score and (place or has_cue))
            or (has_cue and (place or len(clean) >= 15))
        ):
            return NOT_A_REPORT
        codes = self._problem_codes(scores, ranked) if top >= pc.weak_report_score else []
        urgent_at = min((pos for _, _, pos in urgent_hits), default=None)
        if not codes:
            other = self._cfg.triage_category
            suggestions = (other, *[c for c in ranked if c != other][:2])
            problem = self._problem(other, place, urgent_at is not None, _OTHER_CONFIDENCE, suggestions)
            return ParsedMessage(True, (problem,))
        urgent_code = self._urgent_owner(codes, scores, urgent_at)
        absorbed = {a for c in codes for a in pc.absorbs.get(c, ())}
        rival = max((scores[c].score for c in ranked if c not in codes and c not in absorbed), default=0.0)
        problems = []
        for code in codes:
            own = scores[code].score
            # Strength (enough keyword evidence) times margin (no close competitor). Evidence
            # below report_score is a guess for the office to confirm: kept under the cut-off.
            confidence = min(1.0, own / (pc.report_score + 1)) * own / (own + rival)
            if own < pc.report_score:
                confidence = min(confidence, pc.min_confidence * 0.9)
            suggestions = (code, *[c for c in ranked if c != code][:2])
            problems.append(self._problem(code, place, code == urgent_code, confidence, suggestions))
        return ParsedMessage(True, tuple(problems))

    # --- is it a report at all? ------------------------------------------------------------

    def _is_chatter(self, text: str) -> bool:
        """Commands, acknowledgements, notices, follow-ups and questions are never new reports."""
        if self._command_re.match(text):
            return True
        for ack in self._acks:
            if text.startswith(ack) and (len(text) == len(ack) or text[len(ack)] in _SEPARATORS):
                return True
        if any(cue in text for cue in self._non_report):
            return True
        return bool(self._done_re.search(text)) or any(q in text for q in self._questions)

    # --- which problems -------------------------------------------------------------------

    def _token_bounds(self, text: str) -> set[int]:
        bounds, at = {0}, 0
        for token in _tokenize(text, self._jieba_words):
            at += len(token)
            bounds.add(at)
        return bounds

    def _score(self, text: str, bounds: set[int]) -> dict[str, _Score]:
        scores: dict[str, _Score] = {}
        for code, weight, pos in self._keywords.matches(text, bounds):
            if weight <= 0:
                continue
            entry = scores.setdefault(code, _Score())
            entry.score += weight
            entry.first = min(entry.first, pos)
        return scores

    def _problem_codes(self, scores: dict[str, _Score], ranked: list[str]) -> list[str]:
        """Distinct problems, in the order they are named.

        Conservative on purpose: a further problem needs a score of its own and a fair share
        of the best one, and categories a stronger one absorbs (垃圾 in a market) drop out.
        """
        pc = self._cfg.parser
        top = scores[ranked[0]].score
        floor = max(pc.secondary_min_score, pc.secondary_ratio * top)
        kept = [c for c in ranked if c == ranked[0] or scores[c].score >= floor]
        for code in list(kept):
            if code in kept:
                swallowed = set(pc.absorbs.get(code, ())) - {code}
                kept = [c for c in kept if c not in swallowed]
        return sorted(kept, key=lambda c: scores[c].first)

    @staticmethod
    def _urgent_owner(codes: list[str], scores: dict[str, _Score], urgent_at: int | None) -> str | None:
        """The problem an urgent word belongs to: the last one named before it."""
        if urgent_at is None:
            return None
        before = [c for c in codes if scores[c].first <= urgent_at]
        return before[-1] if before else codes[0]

    def _problem(
        self, code: str, place: str | None, urgent: bool, confidence: float, suggestions: tuple[str, ...]
    ) -> Problem:
        category = self._cfg.categories.get(code)
        unit = category.unit if category else self._cfg.triage_unit
        return Problem(code, unit, place, urgent, round(confidence, 2), suggestions[:3])
