"""Text as the parser reads it: NFKC-folded, decoration removed, cut into words on demand.

Separate from the parser's decisions so the normalisation rules and the jieba set-up (a
process-wide dictionary) are read, and changed, in one place.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata

_PLACEHOLDER_RE = re.compile(r"\[[^\[\]]{1,6}\]")  # [图片] [语音] [文件]
# Emoji, pictographs, dingbats, private-use and joiners: decoration, never words.
_SYMBOLS_RE = re.compile(
    "[\u00a6\u00a9\u00ae\u02c2-\u02c5\u02d2-\u02df\u2190-\u2bff\u3200-\u32ff\ue000-\uf8ff"
    "\u200d\ufe0e\ufe0f\U0001f000-\U0001faff\ud800-\udfff]"
)
_SPACES_RE = re.compile(r"\s+")

# jieba loads its dictionary in ~1 s; do it once per process, on first use, not at import.
_jieba_lock = threading.Lock()
_jieba_words: set[str] = set()


def tokenize(text: str, user_words: frozenset[str]) -> list[str]:
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


def token_bounds(text: str, user_words: frozenset[str]) -> set[int]:
    """Offsets where a word starts or ends: a keyword must not cut through a word."""
    bounds, at = {0}, 0
    for token in tokenize(text, user_words):
        at += len(token)
        bounds.add(at)
    return bounds


def normalize(text: str) -> str:
    """Fold full-width forms (ＡＢ１，) with NFKC; emoji and [图片] become spaces."""
    text = _PLACEHOLDER_RE.sub(" ", unicodedata.normalize("NFKC", text))
    return _SPACES_RE.sub(" ", _SYMBOLS_RE.sub(" ", text)).strip()


def nfkc(words: list[str]) -> list[str]:
    """Config words as the parser compares them: NFKC-folded, longest first."""
    return sorted({unicodedata.normalize("NFKC", w) for w in words if w}, key=len, reverse=True)


def alternation(words: list[str]) -> str:
    """Regex alternative of literal words; an empty list matches nothing (not everything)."""
    return "|".join(map(re.escape, nfkc(words))) or "(?!)"
