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
from dataclasses import dataclass, field, replace

from bot.parsing.features import RuleSignals
from bot.parsing.model import ParserModel
from bot.parsing.place_extractor import Place, PlaceExtractor
from bot.parsing.vocabulary import Synonyms, Vocabulary
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
    # Not a report, but close to one (some problem evidence under the bar): kept as 疑似上报
    # for the office to look at, never silently dropped.
    near_miss: bool = False


NOT_A_REPORT = ParsedMessage(is_report=False)
# Clauses: pieces between punctuation and joining words, each long enough to name a problem.
_CLAUSE_RE = re.compile(r"[^,，。;；!！?？\n、]+?(?=[,，。;；!！?？\n、]|并且|而且|还有|另外|同时|此外|以及|$)")
_MIN_CLAUSE = 4
_CJK_RE = re.compile(r"[\u4e00-\u9fff]")
# What may stand around a place given alone: 在, 地点：, 位置是, 那边, 附近.
_PLACE_LEAD_RE = re.compile(
    r"^\s*(?:在|就在|地点|位置|地址|是)*\s*[:：]?"
    r"|(?:附近|周边|一带|那边|这边|那块|这块|那一块|这一块|那里|这里|这儿|那儿)\s*$"
)
_OTHER_CONFIDENCE = 0.2  # a report that matched no category: let the 创城办 decide
_PLACEHOLDER_RE = re.compile(r"\[[^\[\]]{1,6}\]")  # [图片] [语音] [文件]
# Emoji, pictographs, dingbats, private-use and joiners: decoration, never words.
_SYMBOLS_RE = re.compile(
    "[\u00a6\u00a9\u00ae\u02c2-\u02c5\u02d2-\u02df\u2190-\u2bff\u3200-\u32ff\ue000-\uf8ff"
    "\u200d\ufe0e\ufe0f\U0001f000-\U0001faff\ud800-\udfff]"
)
_SPACES_RE = re.compile(r"\s+")
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
    # Without HMM: the parser needs word edges, not the discovery of unknown words.
    return jieba.lcut(text, HMM=False)


def normalize(text: str) -> str:
    """Fold full-width forms (ＡＢ１，) with NFKC; emoji and [图片] become spaces."""
    text = _PLACEHOLDER_RE.sub(" ", unicodedata.normalize("NFKC", text))
    return _SPACES_RE.sub(" ", _SYMBOLS_RE.sub(" ", text)).strip()


def _nfkc(words: list[str]) -> list[str]:
    return sorted({unicodedata.normalize("NFKC", w) for w in words if w}, key=len, reverse=True)


def _alternation(words: list[str]) -> str:
    """Regex alternative of literal words; an empty list matches nothing (not everything)."""
    return "|".join(map(re.escape, _nfkc(words))) or "(?!)"


@dataclass
class _Score:
    score: float = 0.0
    first: int = 1 << 30  # where the category is first named: problems keep message order
    exclusive: float = 0.0  # from words naming only this category (停满 names two)
    hits: list[tuple[int, float]] = field(default_factory=list)  # (where, weight) of each word


@dataclass(frozen=True)
class _Evidence:
    """What the rules found in one message; both deciders read it."""

    clean: str
    folded: str
    place: str | None
    scores: dict[str, _Score]
    ranked: list[str]
    top: float
    urgent_at: int | None
    signals: RuleSignals


@dataclass(frozen=True)
class Learned:
    """What supervisors' corrections taught (bot/tickets/routing_memory.py): word -> category, unit."""

    vocabulary: Vocabulary  # word -> [(category, weight)]
    units: dict[str, tuple[str, str]]  # word -> (category, unit)


class MessageParser:
    def __init__(self, cfg: GuanjiaConfig, model: ParserModel | None = None, word_edges: bool | None = None) -> None:
        self._cfg = cfg
        self._model = model
        # Rules alone halve a keyword that cuts through jieba's words (电线杆 is not 电线). With
        # a model, the n-grams around the word tell the same for far less than a segmentation
        # (jieba costs as much as the rest of a parse), so the model's parser skips it;
        # training reads its examples the same way (`word_edges=False`).
        self._word_edges = model is None if word_edges is None else word_edges
        pc = cfg.parser
        self._keywords = Vocabulary({code: c.keywords for code, c in cfg.categories.items()})
        self._urgent = Vocabulary({"urgent": dict.fromkeys(cfg.urgent.keywords, 1.0)}, cfg.urgent.not_urgent)
        self._synonyms = Synonyms(pc.synonyms)
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
        # 已/已经 + up to six characters without a negation + a "fixed" verb: 已组织清理完毕,
        # 已经来人把摊子劝离了.
        self._done_re = re.compile(rf"已(?:经)?[^\s{_SEPARATORS}没未不无]{{0,6}}?(?:{done})")
        self._acks_re = re.compile(rf"^(?:{_alternation(pc.ack_words)})(?:$|[{re.escape(_SEPARATORS)}])")
        self._cue_re = re.compile(_alternation(pc.non_report_cues))
        self._question_re = re.compile(_alternation(pc.question_cues))
        self._report_cue_re = re.compile(_alternation(pc.report_cues))

    # --- public -------------------------------------------------------------------------

    def clean(self, text: str) -> str:
        """The message as the parser reads it: normalised, mentions and placeholders removed."""
        return self._mention_re.sub(" ", normalize(text)).strip()

    def is_chatter(self, text: str) -> bool:
        """A command, acknowledgement, notice, follow-up or question: never a new report."""
        return self.is_chatter_clean(self.clean(text))

    def locate(self, text: str) -> str | None:
        """The place a (short) message names, e.g. a follow-up "在3号楼北边" -> "3号楼北边"."""
        return self.locate_clean(self.clean(text))

    def parse(self, text: str, learned: Learned | None = None) -> ParsedMessage:
        return self.parse_clean(self.clean(text), learned)

    # The same on text `clean` already returned: the intake cleans each message once.

    def is_chatter_clean(self, clean: str) -> bool:
        return bool(clean) and self._is_chatter(clean)

    def locate_clean(self, clean: str) -> str | None:
        return self._places.extract(clean)

    def parse_clean(self, clean: str, learned: Learned | None = None) -> ParsedMessage:
        if not clean or self._command_re.match(clean) or self._acks_re.match(clean):
            return NOT_A_REPORT
        ev = self._evidence(clean, learned)
        if self._only_a_place(ev):
            return NOT_A_REPORT
        if self._model is None:
            return self._rules_decide(ev, learned)
        return self._model_decide(ev, learned)

    def signals(self, text: str) -> tuple[str, RuleSignals] | None:
        """The cleaned text and the rules' evidence, as the model is trained on them."""
        clean = self.clean(text)
        if not clean or self._command_re.match(clean) or self._acks_re.match(clean):
            return None
        ev = self._evidence(clean, None)
        return None if self._only_a_place(ev) else (clean, ev.signals)

    @staticmethod
    def _only_a_place(ev: _Evidence) -> bool:
        """A place and nothing else ("幸福小区3号楼北边", "地点：东关大街北口") names no problem.

        Such a line answers "请补充地点" or adds to a report just made (bot/chat/followups.py); read
        alone it is not a report, whatever a model makes of its words.
        """
        if ev.place is None or ev.top > 0 or ev.signals.report_cue or ev.urgent_at is not None:
            return False
        rest = _PLACE_LEAD_RE.sub("", ev.clean.replace(ev.place, "", 1))
        return len(_CJK_RE.findall(rest)) <= 1

    # --- evidence ---------------------------------------------------------------------------

    def _evidence(self, clean: str, learned: Learned | None) -> _Evidence:
        folded, offsets = self._synonyms.fold(clean)
        located = self._places.locate(folded)
        place = self._as_written(clean, offsets, located)
        scores = self._score(folded, located.name if located else None, learned)
        ranked = sorted(scores, key=lambda c: -scores[c].score)
        top = scores[ranked[0]].score if ranked else 0.0
        urgent_hits = self._urgent.matches(folded, None, located.name if located else None)
        has_cue = bool(self._report_cue_re.search(folded))
        notice, done, question = (
            bool(self._cue_re.search(clean)),
            bool(self._done_re.search(clean)),
            bool(self._question_re.search(clean)),
        )
        pc = self._cfg.parser
        asks = clean[-1] in "?？"
        rules_report = not (notice or done or question) and (
            not (asks and not (place and top >= pc.report_score))
            and bool(
                urgent_hits
                or top >= pc.report_score
                or (top >= pc.weak_report_score and (place or has_cue))
                or (has_cue and (place or len(clean) >= 15))
            )
        )
        signals = RuleSignals(
            scores={c: s.score for c, s in scores.items()},
            urgent_hits=len(urgent_hits),
            report_cue=has_cue,
            notice_cue=notice,
            done=done,
            question=question,
            ends_with_question=asks,
            place=place is not None,
            rules_say_report=rules_report,
            length=len(clean),
        )
        urgent_at = min((pos for _, _, pos, _ in urgent_hits), default=None)
        return _Evidence(clean, folded, place, scores, ranked, top, urgent_at, signals)

    # --- deciding -----------------------------------------------------------------------------

    def _rules_decide(self, ev: _Evidence, learned: Learned | None) -> ParsedMessage:
        """The config rules alone (no model installed): the behaviour a clerk can predict."""
        if not ev.signals.rules_say_report:
            chatter = ev.signals.notice_cue or ev.signals.done or ev.signals.question
            return ParsedMessage(is_report=False, near_miss=not chatter and (ev.top > 0 or ev.signals.report_cue))
        pc = self._cfg.parser
        codes = self._problem_codes(ev.scores, ev.ranked) if ev.top >= pc.weak_report_score else []
        if not codes:
            return self._triage(ev, learned)
        return self._problems(ev, codes, learned, lead=None)

    def _model_decide(self, ev: _Evidence, learned: Learned | None) -> ParsedMessage:
        assert self._model is not None
        guess = self._model.predict(ev.clean, ev.signals)
        limits = self._model.thresholds
        if guess.report < limits.report:
            return ParsedMessage(is_report=False, near_miss=guess.report >= limits.near_miss)
        pc = self._cfg.parser
        lead = guess.category
        codes = self._problem_codes(ev.scores, ev.ranked) if ev.top >= pc.weak_report_score else []
        clauses = self._clause_codes(ev, lead)
        codes = [lead, *codes, *(c for c in clauses if c not in codes)]
        codes = list(dict.fromkeys(c for c in codes if c == lead or not self._absorbed(lead, c)))
        lead_info = (lead, guess.categories[0][1], tuple(code for code, _ in guess.categories))
        urgent = ev.urgent_at is not None or guess.urgent >= limits.urgent
        problems = self._problems(ev, codes, learned, lead_info, clauses)
        if urgent and not any(p.urgent for p in problems.problems):
            first = replace(problems.problems[0], urgent=True)
            problems = replace(problems, problems=(first, *problems.problems[1:]))
        return problems

    def _absorbed(self, lead: str, code: str) -> bool:
        absorbs = self._cfg.parser.absorbs
        return code in absorbs.get(lead, ()) or lead in absorbs.get(code, ())

    def _clause_codes(self, ev: _Evidence, lead: str) -> dict[str, tuple[int, float]]:
        """Further problems named in clauses of their own: "路面破损严重，垃圾随处可见".

        A clause whose own listed words name another category is read by the model on its own;
        if it reads, surely, as that category, it is a second problem. The words were found
        once for the whole message; a clause takes those that start inside it.
        Code -> (where its clause starts, how sure).
        """
        assert self._model is not None
        spans = [(m.start(), m.end()) for m in _CLAUSE_RE.finditer(ev.folded) if m.end() - m.start() >= _MIN_CLAUSE]
        if len(spans) < 2:
            return {}
        found: dict[str, tuple[int, float]] = {}
        limits = self._model.thresholds
        pc = self._cfg.parser
        for start, end in spans:
            scores = {
                code: total
                for code, entry in ev.scores.items()
                if (total := sum(w for at, w in entry.hits if start <= at < end)) > 0
            }
            if not any(c != lead and c not in found and v >= pc.weak_report_score for c, v in scores.items()):
                continue  # no listed word names another problem here: nothing to ask the model
            clause = ev.folded[start:end]
            says_report = max(scores.values()) >= pc.report_score
            signals = RuleSignals(scores, 0, False, False, False, False, False, False, says_report, len(clause))
            code, probability = self._model.predict(clause, signals).categories[0]
            named = scores.get(code, 0.0) >= pc.weak_report_score
            if code != lead and code not in found and named and probability >= limits.clause:
                found[code] = (start, probability)
        return found

    def _triage(self, ev: _Evidence, learned: Learned | None) -> ParsedMessage:
        other = self._cfg.triage_category
        suggestions = (other, *[c for c in ev.ranked if c != other][:2])
        problem = self._problem(other, ev.place, ev.urgent_at is not None, _OTHER_CONFIDENCE, suggestions)
        return ParsedMessage(True, (self._learned_unit(problem, ev.folded, learned),))

    def _problems(
        self,
        ev: _Evidence,
        codes: list[str],
        learned: Learned | None,
        lead: tuple[str, float, tuple[str, ...]] | None,
        clauses: dict[str, tuple[int, float]] | None = None,
    ) -> ParsedMessage:
        """One problem per code, in the order they are named; `lead` is the model's choice and
        `clauses` the further problems it read in clauses of their own (where, how sure)."""
        pc = self._cfg.parser
        scores, ranked = ev.scores, ev.ranked
        clauses = clauses or {}
        order = {c: min(scores[c].first if c in scores else 1 << 30, clauses.get(c, (1 << 30, 0))[0]) for c in codes}
        if lead is not None and order[lead[0]] == 1 << 30:
            order[lead[0]] = -1  # the model's main problem, named by no listed word: first
        codes = sorted(codes, key=order.__getitem__)
        urgent_code = self._urgent_owner(codes, scores, ev.urgent_at)
        absorbed = {a for c in codes for a in pc.absorbs.get(c, ())}
        rival = max((scores[c].score for c in ranked if c not in codes and c not in absorbed), default=0.0)
        problems = []
        for code in codes:
            if lead is not None and code == lead[0]:
                confidence, suggestions = lead[1], lead[2]
            elif code not in scores:
                confidence, suggestions = clauses[code][1], (code,)
            else:
                own = scores[code].score
                # Strength (enough keyword evidence) times margin (no close competitor). Evidence
                # below report_score is a guess for the office to confirm: kept under the cut-off.
                confidence = min(1.0, own / (pc.report_score + 1)) * own / (own + rival)
                if own < pc.report_score:
                    confidence = min(confidence, pc.min_confidence * 0.9)
                suggestions = (code, *[c for c in ranked if c != code][:2])
            problem = self._problem(code, ev.place, code == urgent_code, confidence, suggestions)
            problems.append(self._learned_unit(problem, ev.folded, learned))
        return ParsedMessage(True, tuple(problems))

    # --- is it a report at all? ------------------------------------------------------------

    def _is_chatter(self, text: str) -> bool:
        """Never a new report by the rules: a command, 收到, a notice, a follow-up, a question."""
        if self._command_re.match(text) or self._acks_re.match(text) or self._cue_re.search(text):
            return True
        return bool(self._done_re.search(text) or self._question_re.search(text))

    # --- which problems -------------------------------------------------------------------

    def _token_bounds(self, text: str) -> set[int]:
        bounds, at = {0}, 0
        for token in _tokenize(text, self._jieba_words):
            at += len(token)
            bounds.add(at)
        return bounds

    def _score(self, text: str, blocked: tuple[int, int] | None, learned: Learned | None) -> dict[str, _Score]:
        scores: dict[str, _Score] = {}
        bounds = (lambda: self._token_bounds(text)) if self._word_edges else None
        found = self._keywords.matches(text, bounds, blocked)
        if learned is not None:
            found += learned.vocabulary.matches(text, None, blocked)
        for code, weight, pos, exclusive in found:
            if weight <= 0:
                continue
            entry = scores.setdefault(code, _Score())
            entry.score += weight
            entry.first = min(entry.first, pos)
            entry.hits.append((pos, weight))
            if exclusive:
                entry.exclusive += weight
        return scores

    def _problem_codes(self, scores: dict[str, _Score], ranked: list[str]) -> list[str]:
        """Distinct problems, in the order they are named.

        Conservative on purpose: a further problem needs a score of its own, from words that
        name it alone, and a fair share of the best one; categories a stronger one absorbs
        (垃圾 in a market) drop out.
        """
        pc = self._cfg.parser
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

    @staticmethod
    def _urgent_owner(codes: list[str], scores: dict[str, _Score], urgent_at: int | None) -> str | None:
        """The problem an urgent word belongs to: the last one named before it."""
        if urgent_at is None:
            return None
        before = [c for c in codes if c in scores and scores[c].first <= urgent_at]
        return before[-1] if before else codes[0]

    @staticmethod
    def _as_written(clean: str, offsets: list[int] | None, place: Place | None) -> str | None:
        if place is None:
            return None
        if offsets is None:
            return place.text
        start, end = Synonyms.original_span(offsets, place.start, place.end)
        return clean[start:end]

    @staticmethod
    def _learned_unit(problem: Problem, text: str, learned: Learned | None) -> Problem:
        """A 转派 taught that this word's reports of this category belong to another unit."""
        if learned is None or not learned.units:
            return problem
        for _start, _end, word in learned.vocabulary.occurrences(text):
            category, unit = learned.units.get(word, ("", ""))
            if category == problem.category and unit != problem.unit:
                confidence = max(problem.confidence, 0.9)
                return replace(problem, unit=unit, confidence=confidence)
        return problem

    def _problem(
        self, code: str, place: str | None, urgent: bool, confidence: float, suggestions: tuple[str, ...]
    ) -> Problem:
        category = self._cfg.categories.get(code)
        unit = category.unit if category else self._cfg.triage_unit
        return Problem(code, unit, place, urgent, round(confidence, 2), suggestions[:3])
