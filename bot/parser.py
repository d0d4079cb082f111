"""Reads a group message: is it a new problem report, and which problems does it name.

The parser returns data; the ticket service decides what to do with it.
"""

from __future__ import annotations

from dataclasses import dataclass

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


class MessageParser:
    def __init__(self, cfg: GuanjiaConfig) -> None:
        self._cfg = cfg

    def parse(self, text: str) -> ParsedMessage:
        raise NotImplementedError
