"""Typed model of `guanjia.yaml`.

Unknown keys are refused (`extra="forbid"`) so a clerk's typo ("fix_hour") stops the
start with the key named, instead of silently falling back to a default.
"""

from __future__ import annotations

from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, PositiveFloat, field_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class UnitConfig(_Strict):
    name: str = Field(min_length=1)
    aliases: list[str] = []
    members: list[str] = []


class CategoryConfig(_Strict):
    name: str = Field(min_length=1)
    covers: str = ""
    unit: str
    claim_hours: PositiveFloat
    fix_hours: PositiveFloat
    # word -> weight; the parser scores a message against these.
    keywords: dict[str, float] = {}


class UrgentConfig(_Strict):
    covers: str = ""
    claim_hours: PositiveFloat
    fix_hours: PositiveFloat
    keywords: list[str] = []


class OutboundConfig(_Strict):
    platform: Literal["console", "generic"] = "console"
    url: str | None = None


class GroupConfig(_Strict):
    name: str = Field(min_length=1)
    area: str | None = None
    outbound: OutboundConfig = OutboundConfig()


class ParserConfig(_Strict):
    """Vocabulary that tells a problem report from chatter; see bot/parser.py."""

    # Phrases that mark a message as a notice, a follow-up or small talk, not a new report.
    non_report_cues: list[str] = []
    # Phrases that make a message look like a report even without a strong keyword.
    report_cues: list[str] = []
    # Words jieba must keep whole (门前三包, 飞线充电...).
    user_words: list[str] = []
    # Below this confidence a report goes to triage instead of being dispatched.
    min_confidence: float = Field(default=0.5, ge=0, le=1)


class GuanjiaConfig(_Strict):
    timezone: str = "Asia/Shanghai"
    # Names the bot is @-mentioned by; stripped before a command is read.
    bot_names: list[str] = ["创城大管家"]
    supervisors: list[str] = []
    # sender id -> display name, used in replies and by the chat simulator's /as.
    people: dict[str, str] = {}
    units: dict[str, UnitConfig]
    categories: dict[str, CategoryConfig]
    urgent: UrgentConfig
    groups: dict[str, GroupConfig] = {}
    parser: ParserConfig = ParserConfig()
    # Where unclear or returned reports go: the 创城办 and its catch-all category.
    triage_unit: str = "ccb"
    triage_category: str = "other"

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    # --- lookups used across the app -------------------------------------------------

    def is_supervisor(self, sender_id: str) -> bool:
        return sender_id in self.supervisors

    def units_of(self, sender_id: str) -> list[str]:
        return [code for code, unit in self.units.items() if sender_id in unit.members]

    def display_name(self, sender_id: str, fallback: str | None = None) -> str:
        return self.people.get(sender_id) or fallback or sender_id

    def unit_name(self, code: str) -> str:
        unit = self.units.get(code)
        return unit.name if unit else code

    def category_name(self, code: str) -> str:
        category = self.categories.get(code)
        return category.name if category else code

    def find_unit(self, text: str) -> str | None:
        """Resolve a unit written as its code, name or alias (as typed in 转派 N 单位)."""
        wanted = text.strip().lstrip("@")
        for code, unit in self.units.items():
            if wanted in (code, unit.name) or wanted in unit.aliases:
                return code
        return None

    def find_category(self, text: str) -> str | None:
        wanted = text.strip()
        for code, category in self.categories.items():
            if wanted in (code, category.name):
                return code
        return None
