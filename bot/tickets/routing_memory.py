"""Learning from corrections: words of tickets a supervisor 转派s or 改类s route later reports.

Each correction stores the ticket's distinctive words (rare in general Chinese, not place or
grammar words) under the category and unit it was corrected to. A word that `learn_after`
corrections agree on becomes a keyword of that category (and, after a 转派, moves that
category's reports to the unit). Per deployment: the rows live in the database, `guanjia
learned list` shows them and `guanjia learned forget ID` removes one.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from bot.core.clock import Clock
from bot.parsing.parsed import Learned
from bot.parsing.parser import MessageParser
from bot.parsing.vocabulary import Vocabulary, nfkc
from config.schema import GuanjiaConfig
from models import RoutingCorrection, Ticket

log = logging.getLogger(__name__)
_CJK_WORD = re.compile(r"^[\u4e00-\u9fff]{2,8}$")
_idf_lock = threading.Lock()
_idf: tuple[dict[str, float], float] | None = None
# Bumped whenever this process stores a correction, so its own intake rereads at once.
_changes_lock = threading.Lock()
_changes = 0


def learned_rows_changed() -> None:
    """Corrections were stored or removed: this process's intake rereads them on its next message."""
    global _changes
    with _changes_lock:
        _changes += 1


def _idf_table() -> tuple[dict[str, float], float]:
    """jieba's IDF table (how rare a word is in general text), loaded once."""
    global _idf
    with _idf_lock:
        if _idf is None:
            from jieba.analyse import default_tfidf

            _idf = (default_tfidf.idf_freq, default_tfidf.median_idf)
        return _idf


def _common_vocabulary(cfg: GuanjiaConfig) -> set[str]:
    """Words the config already uses for something other than a category: never learned."""
    pc = cfg.parser
    words = [
        *pc.non_report_cues,
        *pc.report_cues,
        *pc.place_suffixes,
        *pc.place_landmarks,
        *pc.place_tails,
        *pc.place_stop_words,
        *pc.place_generic_names,
        *pc.ack_words,
        *pc.question_cues,
        *cfg.bot_names,
        *cfg.people.values(),
    ]
    for unit in cfg.units.values():
        words += [unit.name, *unit.aliases]
    return {nfkc(w) for w in words}


def distinctive_words(cfg: GuanjiaConfig, parser: MessageParser, text: str, location: str | None) -> list[str]:
    """The words of a report that could tell its kind apart: 黑三轮, not 有人 or 门口."""
    import jieba

    idf, median = _idf_table()
    common = _common_vocabulary(cfg)
    clean = parser.clean(text)
    if location:
        clean = clean.replace(location, " ")
    words: list[str] = []
    for token in jieba.lcut(clean):
        if not _CJK_WORD.match(token) or token in common or token in words:
            continue
        if idf.get(token, median) >= cfg.parser.learn_min_idf:
            words.append(token)
    return words


def record(
    session: Session, cfg: GuanjiaConfig, parser: MessageParser, ticket: Ticket, actor_id: str, now: datetime
) -> list[str]:
    """Store what a correction teaches: the ticket's words now belong to its category and unit."""
    words = distinctive_words(cfg, parser, ticket.text, ticket.location)
    for word in words:
        query = select(RoutingCorrection).where(
            RoutingCorrection.word == word,
            RoutingCorrection.category == ticket.category,
            RoutingCorrection.unit == ticket.unit,
        )
        row = session.scalars(query.with_for_update()).first()
        if row is None:
            row = RoutingCorrection(
                word=word, category=ticket.category, unit=ticket.unit, count=0, ticket_ids=[], first_at=now
            )
            session.add(row)
        if ticket.id not in row.ticket_ids:
            row.count += 1
            row.ticket_ids = [*row.ticket_ids, ticket.id]
        row.last_at = now
        row.last_actor_id = actor_id
    session.flush()
    # Counted once committed: a reread before then would see the old rows and keep them 30 s.
    event.listen(session, "after_commit", lambda _session: learned_rows_changed(), once=True)
    if words:
        log.info("learned from #%s: %s -> %s/%s", ticket.id, words, ticket.category, ticket.unit)
    return words


class RoutingMemory:
    """The learned words in force, rebuilt only when the stored rows change.

    Every message asks; the rows are reread at most every `parser.learned_refresh_seconds`
    (on the intake's clock), and at once after this process stored a correction. Another
    process's correction (a second worker, `guanjia learned forget`) is seen within that time.
    """

    def __init__(self, cfg: GuanjiaConfig, clock: Clock) -> None:
        self._cfg = cfg
        self._clock = clock
        self._lock = threading.Lock()
        self._key: tuple[tuple[int, str, str, str, int], ...] = ()
        self._learned: Learned | None = None
        self._read_at: datetime | None = None
        self._read_after_change = -1

    def is_fresh(self) -> bool:
        """Whether `learned` would answer from memory now, without reading the database."""
        now = self._clock.now()
        with self._lock:
            return self._fresh(now)

    def _fresh(self, now: datetime) -> bool:
        if self._read_at is None or self._read_after_change != _changes:
            return False
        age = (now - self._read_at).total_seconds()
        return 0 <= age < self._cfg.parser.learned_refresh_seconds

    def learned(self, session: Session) -> Learned | None:
        now = self._clock.now()
        with self._lock:
            if self._fresh(now):
                return self._learned
            changes = _changes
        query = (
            select(
                RoutingCorrection.id,
                RoutingCorrection.word,
                RoutingCorrection.category,
                RoutingCorrection.unit,
                RoutingCorrection.count,
            )
            .where(RoutingCorrection.count >= self._cfg.parser.learn_after)
            .order_by(RoutingCorrection.count.desc(), RoutingCorrection.id)
        )
        rows = tuple((int(r[0]), str(r[1]), str(r[2]), str(r[3]), int(r[4])) for r in session.execute(query))
        with self._lock:
            if rows != self._key:
                self._key, self._learned = rows, self._build(rows)
            self._read_at, self._read_after_change = now, changes
            return self._learned

    def _build(self, rows: Sequence[tuple[int, str, str, str, int]]) -> Learned | None:
        if not rows:
            return None
        weighted: dict[str, dict[str, float]] = {}
        units: dict[str, tuple[str, str]] = {}
        for _id, word, category, unit, _count in rows:
            if word in units or category not in self._cfg.categories:
                continue  # the best-supported reading of a word wins
            units[word] = (category, unit)
            weighted.setdefault(category, {})[word] = self._cfg.parser.learned_weight
        return Learned(Vocabulary(weighted), units)
