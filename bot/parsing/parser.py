"""Reads a group message: is it a new problem report, and which problems does it name.

The parser returns data; the ticket service decides what to do with it. Every word it relies
on lives in the config (`categories.*.keywords`, `urgent.keywords`, `parser:`), because the
district clerks, not developers, learn the local slang. The code only holds the procedure:
normalise -> rule out commands, replies, notices, follow-ups and questions -> score
categories -> find the place -> decide urgency.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from bot.parsing.features import RuleSignals
from bot.parsing.model import ParserModel
from bot.parsing.parsed import NOT_A_REPORT, Learned, ParsedMessage, Problem, learned_unit
from bot.parsing.place_extractor import Place, PlaceExtractor
from bot.parsing.scoring import Score, problem_codes, score, urgent_owner
from bot.parsing.vocabulary import Synonyms, Vocabulary
from bot.parsing.words import alternation, nfkc, normalize, token_bounds
from config.schema import GuanjiaConfig

# The parser's results are named here too: callers read them as the parser's vocabulary.
__all__ = ["NOT_A_REPORT", "Learned", "MessageParser", "ParsedMessage", "Problem", "normalize"]


# Clauses: pieces between punctuation and joining words, each long enough to name a problem.
_CLAUSE_RE = re.compile(r"[^,，。;；!！?？\n、]+?(?=[,，。;；!！?？\n、]|并且|而且|还有|另外|同时|此外|以及|$)")
_MIN_CLAUSE = 4
_CJK_RE = re.compile(r"[\u4e00-\u9fff]")
# What may stand around a place given alone: 在, 地点：, 位置是, 那边, 附近.
_PLACE_LEAD_RE = re.compile(
    r"^\s*(?:在|就在|地点|位置|地址|是)*\s*[:：]?"
    r"|(?:附近|周边|一带|那边|这边|那块|这块|那一块|这一块|那里|这里|这儿|那儿)\s*$"
)
# An enumerated list: "今日巡查发现：1.东关大街垃圾没人清；2.北关路口车辆乱停；3.…", as
# inspectors post their rounds. Markers open the text or follow a separator; "1.5米" is no marker.
_LIST_MARK_RE = re.compile(
    r"(?:^|(?<=[\s,，。;；:：!！?？]))"
    r"(?:[(（](?P<p>[1-9一二三四五六七八九])[)）]|(?P<n>[1-9一二三四五六七八九])[)）.、．](?!\d)"
    r"|(?P<c>[①②③④⑤⑥⑦⑧⑨])|问题(?P<q>[1-9一二三四五六七八九])[:：、.\s])"
)
_ORDINALS = {c: i for i, c in enumerate("一二三四五六七八九", 1)} | {str(i): i for i in range(1, 10)}
_ORDINALS |= {c: i for i, c in enumerate("①②③④⑤⑥⑦⑧⑨", 1)}
_OTHER_CONFIDENCE = 0.2
# The model's "none of the categories" (triage) below this probability, beside a category the
# listed words name, is that category's rival, not a problem of its own. Measured by
# cross-validation (bench/parser_cv.py, pooled): one problem split 0.125 (never dropped),
# 0.123 at 0.5, 0.117 at 0.7–0.8, category 0.789 throughout (dropped always: 0.783). 0.5, not
# 0.8: "楼下烧烤店油烟太大了" is an other problem (油烟, issue 11) the model reads at 0.75.
_WEAK_OTHER = 0.5  # a report that matched no category: let the 创城办 decide
_SEPARATORS = " ,.;:!?、，。；：！？\n"
# The model's main problem is listed first unless the problem the text names first is, to the
# model, at least this fraction as likely. Chosen by cross-validation on the real training rows
# (bench/parser_cv.py): text order alone 0.781 category, the model's choice alone 0.788, this
# rule 0.797 (flat between 0.3 and 0.5).
_LEAD_MARGIN = 0.4


@dataclass(frozen=True)
class _Evidence:
    """What the rules found in one message; both deciders read it."""

    clean: str
    folded: str
    place: str | None
    scores: dict[str, Score]
    ranked: list[str]
    top: float
    urgent_at: int | None
    signals: RuleSignals


def _same_spot(a: Problem, b: Problem) -> bool:
    """One category at one place, however much of the place each names."""
    if a.category != b.category:
        return False
    return not a.location or not b.location or a.location in b.location or b.location in a.location


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
        self._non_report = nfkc(pc.non_report_cues)
        self._report_cues = nfkc(pc.report_cues)
        self._questions = nfkc(pc.question_cues)
        self._acks = nfkc(pc.ack_words)
        self._jieba_words = frozenset(
            {
                *nfkc(pc.user_words),
                *(w for w in self._keywords.simple if len(w) > 1),
            }
        )
        names = [*cfg.bot_names, "所有人", *cfg.people.values()]
        for unit in cfg.units.values():
            names += [unit.name, *unit.aliases]
        self._mention_re = re.compile(r"@(?:" + "|".join(map(re.escape, nfkc(names))) + r"|[^\s@]{1,12}(?=\s|$))?")
        verbs = alternation(pc.command_words)
        self._command_re = re.compile(rf"^(?:#\s*\d+|(?:{verbs})(?=[\s#\d]|$))", re.IGNORECASE)
        done = alternation(pc.done_words)
        # 已/已经 + up to six characters without a negation + a "fixed" verb: 已组织清理完毕,
        # 已经来人把摊子劝离了.
        self._done_re = re.compile(rf"已(?:经)?[^\s{_SEPARATORS}没未不无]{{0,6}}?(?:{done})")
        self._acks_re = re.compile(rf"^(?:{alternation(pc.ack_words)})(?:$|[{re.escape(_SEPARATORS)}])")
        self._cue_re = re.compile(alternation(pc.non_report_cues))
        self._question_re = re.compile(alternation(pc.question_cues))
        self._report_cue_re = re.compile(alternation(pc.report_cues))

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
        listed = self._parse_list(clean, learned)
        return listed if listed is not None else self._parse_one(clean, learned)

    def _parse_one(self, clean: str, learned: Learned | None) -> ParsedMessage:
        ev = self._evidence(clean, learned)
        if self._only_a_place(ev):
            return NOT_A_REPORT
        if self._model is None:
            return self._rules_decide(ev, learned)
        return self._model_decide(ev, learned)

    def _parse_list(self, clean: str, learned: Learned | None) -> ParsedMessage | None:
        """An enumerated list read item by item, each after the words before the list (they name
        the round's place or the one thing inspected: "西站转盘公共卫生间 (1)有明显异味;
        (2)洗手池无照明"). Problems of one category at one spot are one. None when the text is
        no list (markers 1, 2, … in order, at least two) or no item reads as a report."""
        marks = list(_LIST_MARK_RE.finditer(clean))
        numbers = [_ORDINALS[next(g for g in m.groups() if g)] for m in marks]
        if len(marks) < 2 or numbers != list(range(1, len(marks) + 1)):
            return None
        ends = [m.start() for m in marks[1:]] + [len(clean)]
        header = clean[: marks[0].start()].strip(_SEPARATORS)
        problems: list[Problem] = []
        for mark, end in zip(marks, ends, strict=True):
            item = clean[mark.end() : end].strip(_SEPARATORS)
            parsed = self._parse_one(f"{header} {item}".strip(), learned) if item else NOT_A_REPORT
            for problem in parsed.problems:
                if not any(_same_spot(problem, seen) for seen in problems):
                    problems.append(problem)
        return ParsedMessage(True, tuple(problems)) if problems else None

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
        bounds = (lambda: token_bounds(folded, self._jieba_words)) if self._word_edges else None
        scores = score(self._keywords, folded, bounds, located.name if located else None, learned)
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
        codes = problem_codes(pc, ev.scores, ev.ranked) if ev.top >= pc.weak_report_score else []
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
        codes = problem_codes(pc, ev.scores, ev.ranked) if ev.top >= pc.weak_report_score else []
        # Beside the model's reading, a listed word that only hints at another category is that
        # reading's rival, not a second problem: "小区里流浪狗越来越多了" is one problem.
        codes = [c for c in codes if c == lead or ev.scores[c].score >= pc.report_score]
        clauses = self._clause_codes(ev, lead)
        codes = [lead, *codes, *(c for c in clauses if c not in codes)]
        codes = list(dict.fromkeys(c for c in codes if c == lead or not self._absorbed(lead, c)))
        lead_info: tuple[str, float, dict[str, float]] | None = (lead, guess.categories[0][1], dict(guess.categories))
        if lead == self._cfg.triage_category and len(codes) > 1 and guess.categories[0][1] < _WEAK_OTHER:
            # A faint "none of the categories" beside a category the words name is that
            # category's rival, not a problem of its own: "好像又有人乱扔了" is one 垃圾 report.
            codes, lead_info = codes[1:], None
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
        return ParsedMessage(True, (learned_unit(problem, ev.folded, learned),))

    def _problems(
        self,
        ev: _Evidence,
        codes: list[str],
        learned: Learned | None,
        lead: tuple[str, float, dict[str, float]] | None,
        clauses: dict[str, tuple[int, float]] | None = None,
    ) -> ParsedMessage:
        """One problem per code, in the order they are named; `lead` is the model's choice and
        `clauses` the further problems it read in clauses of their own (where, how sure).

        Problems are listed in the order the text names them, except that the model's main
        problem goes first when the one named first is far less likely to the model (see
        `_LEAD_MARGIN`): real reports often open on a side matter ("路灯四周的地砖破损").
        """
        pc = self._cfg.parser
        scores, ranked = ev.scores, ev.ranked
        clauses = clauses or {}
        order = {c: min(scores[c].first if c in scores else 1 << 30, clauses.get(c, (1 << 30, 0))[0]) for c in codes}
        if lead is not None and order[lead[0]] == 1 << 30:
            order[lead[0]] = -1  # the model's main problem, named by no listed word: first
        codes = sorted(codes, key=order.__getitem__)
        if lead is not None and lead[2].get(codes[0], 0.0) < _LEAD_MARGIN * lead[1]:
            codes = [lead[0], *(c for c in codes if c != lead[0])]
        urgent_code = urgent_owner(codes, scores, ev.urgent_at)
        absorbed = {a for c in codes for a in pc.absorbs.get(c, ())}
        rival = max((scores[c].score for c in ranked if c not in codes and c not in absorbed), default=0.0)
        problems = []
        for code in codes:
            if lead is not None and code == lead[0]:
                confidence, suggestions = lead[1], tuple(lead[2])
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
            problems.append(learned_unit(problem, ev.folded, learned))
        return ParsedMessage(True, tuple(problems))

    # --- is it a report at all? ------------------------------------------------------------

    def _is_chatter(self, text: str) -> bool:
        """Never a new report by the rules: a command, 收到, a notice, a follow-up, a question."""
        if self._command_re.match(text) or self._acks_re.match(text) or self._cue_re.search(text):
            return True
        return bool(self._done_re.search(text) or self._question_re.search(text))

    # --- where the place is -------------------------------------------------------------

    @staticmethod
    def _as_written(clean: str, offsets: list[int] | None, place: Place | None) -> str | None:
        if place is None:
            return None
        if offsets is None:
            return place.text
        start, end = Synonyms.original_span(offsets, place.start, place.end)
        return clean[start:end]

    def _problem(
        self, code: str, place: str | None, urgent: bool, confidence: float, suggestions: tuple[str, ...]
    ) -> Problem:
        category = self._cfg.categories.get(code)
        unit = category.unit if category else self._cfg.triage_unit
        return Problem(code, unit, place, urgent, round(confidence, 2), suggestions[:3])
