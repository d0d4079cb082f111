"""Typed model of `guanjia.yaml`.

Unknown keys are refused (`extra="forbid"`) so a clerk's typo ("fix_hour") stops the
start with the key named, instead of silently falling back to a default.
"""

from __future__ import annotations

import os
from datetime import time
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PositiveFloat,
    SecretStr,
    field_validator,
    model_validator,
)

from config.aftercare_schema import RecheckConfig, SatisfactionConfig
from config.campaign_schema import CampaignConfig
from config.gazetteer_schema import GazetteerConfig
from config.hotspots_schema import HotspotsConfig
from config.platform_schema import ContactConfig, PlatformName, split_people
from config.points_schema import PointsConfig
from config.timing_schema import CalendarConfig, ClockTime, OutboxConfig, RemindersConfig


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
    # "natural": hours on the wall clock; "working": office hours on working days only.
    clock: Literal["natural", "working"] = "natural"
    # word -> weight; the parser scores a message against these.
    keywords: dict[str, float] = {}


class UrgentConfig(_Strict):
    covers: str = ""
    claim_hours: PositiveFloat
    fix_hours: PositiveFloat
    keywords: list[str] = []
    # Words that hide the urgent words inside them (电线杆 hides 电线).
    not_urgent: list[str] = []


class OutboundConfig(_Strict):
    platform: Literal["console", "generic", "dingtalk", "wecom", "feishu"] = "console"
    url: str | None = None
    # The robot's signing secret (DingTalk 加签 SEC…, Feishu 签名校验), or the environment
    # variable that holds it (keeps secrets out of this file).
    secret: SecretStr | None = None
    secret_env: str | None = None

    @model_validator(mode="after")
    def _robot_needs_url(self) -> OutboundConfig:
        if self.platform in ("dingtalk", "wecom", "feishu") and not self.url:
            raise ValueError(f"url is required for platform {self.platform!r} (the robot's webhook address)")
        # A blank secret would silently send unsigned (issue 14: an empty secret is an error everywhere).
        if self.secret is not None and not self.secret.get_secret_value().strip():
            raise ValueError("secret is empty: give the robot's secret or remove the key")
        if self.secret_env and os.environ.get(self.secret_env) is not None and not os.environ[self.secret_env].strip():
            raise ValueError(f"secret_env: the environment variable {self.secret_env} is set but empty")
        return self

    def resolved_secret(self) -> str | None:
        if self.secret is not None:
            return self.secret.get_secret_value()
        return (os.environ.get(self.secret_env) or None) if self.secret_env else None


class GroupConfig(_Strict):
    name: str = Field(min_length=1)
    area: str | None = None
    outbound: OutboundConfig = OutboundConfig()
    # The group's id on each platform: DingTalk conversationId, WeCom chatid, Feishu chat_id.
    chat_ids: dict[PlatformName, str] = {}


class ParserConfig(_Strict):
    """Vocabulary that tells a problem report from chatter; see bot/parsing/parser.py."""

    # Phrases that mark a message as a notice, a follow-up or small talk, not a new report.
    non_report_cues: list[str] = []
    # Phrases that make a message look like a report even without a strong keyword.
    report_cues: list[str] = []
    # Words jieba must keep whole (门前三包, 飞线充电...).
    user_words: list[str] = []
    # Below this confidence a report goes to triage instead of being dispatched.
    min_confidence: float = Field(default=0.5, ge=0, le=1)
    # The statistical layer (bot/parsing/model.py) on top of these rules: true uses the
    # deployment's retrained model (GUANJIA_PARSER_MODEL) when there is one, else the model
    # shipped with guanjia; false reads messages by the rules alone.
    use_model: bool = True
    # Retrain nightly from what the office settled (改类, 转派, 验收, 疑似上报), at this local hour;
    # a model that scores worse on the fixed test split than the one in use is not installed.
    retrain_nightly: bool = True
    retrain_hour: int = Field(default=2, ge=0, le=23)
    # Bot command verbs ("认领 12", "#7 已整改"): a message led by one of them is never a report.
    command_words: list[str] = []
    # Acknowledgements (收到, 好的...): a message that opens with one is a reply, not a report.
    ack_words: list[str] = []
    # Phrases that make a message a question (请问, 问一下...), which is never a new report.
    question_cues: list[str] = []
    # Verbs of "already fixed" (清理, 整改...): after 已/已经 they mark a follow-up.
    done_words: list[str] = []
    # category -> categories it swallows when both match: a 农贸市场 report that mentions
    # 垃圾 and 污水 is one market problem, not three.
    absorbs: dict[str, list[str]] = {}
    # Keyword score needed to call a message a report on its own, and the lower score that
    # is enough when a place or a report cue is present too.
    report_score: float = Field(default=3, gt=0)
    weak_report_score: float = Field(default=2, gt=0)
    # A further problem in the same message needs at least this score and this share of
    # the best score; keeps "one problem, many words" from splitting.
    secondary_min_score: float = Field(default=3, gt=0)
    secondary_ratio: float = Field(default=0.5, ge=0, le=1)
    # --- place extraction -------------------------------------------------------------
    # Endings of named places: a name of 1-5 characters before them is a place (幸福小区).
    place_suffixes: list[str] = []
    # Endings that make a place only after a name of 2+ characters outside the false words (国防道).
    place_rare_suffixes: list[str] = []
    # Things that sit at a place and may follow it (…58号水果店, …地铁站B口旁的公厕).
    place_landmarks: list[str] = []
    # Landmarks read by the place extractor only (烧烤, 红绿灯: problem words elsewhere).
    place_problem_landmarks: list[str] = []
    # Words that refine a place and may follow it (村口, 交叉口, 拐角, 对面, 中段...).
    place_tails: list[str] = []
    # Parts of a place that refine one they follow (…小区 + 围墙) but make no place alone.
    place_parts: list[str] = []
    # One-character positions after a place (…店铺 + 外), kept as written.
    place_positions: list[str] = []
    # Words pointing at one thing at a place (…附近 + 一家 + 店铺).
    place_pointers: list[str] = []
    # Compass words and what they combine with (东北 + 角, 南 + 门外, 西 + 侧...).
    place_directions: list[str] = []
    place_direction_tails: list[str] = []
    # Words joining two roads into an intersection (府前街与南环路) or a range (A路到B路).
    place_joiners: list[str] = []
    # Endings of areas (市, 区, 街道): a phrase ending in one is broad, and a later spot wins.
    place_areas: list[str] = []
    # Endings that name an area after a one-character name (省城, 春城: a city's nickname).
    place_short_name_areas: list[str] = []
    # Words linking a place to a thing at it (汉口银行 + 这边的 + 人行道).
    place_links: list[str] = []
    # Stop words after which a name without a place ending may still begin (在 新华书店门口).
    place_lead_words: list[str] = []
    # Words after a place that make it the reporter's unit (XX社区 + 网格员), not the problem's place.
    place_agent_words: list[str] = []
    # Endings that make a phrase an agency (XX督查组, XX电话中心), skipped like a reporter's unit.
    place_agency_endings: list[str] = []
    # A name with no ending between a visit word and what was seen is a place (来到XX社看到).
    place_visit_words: list[str] = []
    place_seen_words: list[str] = []
    # Words that cannot be part of a place name; a name is cut after the last one
    # ("我现在在杏园村" -> 杏园村).
    place_stop_words: list[str] = []
    # Words that begin with a place ending but are not places (路面, 街道, 村民...).
    place_false_words: list[str] = []
    # Whole names that are too generic to be a place (马路, 这条街...).
    place_generic_names: list[str] = []
    # Field labels of the structured report template (地点：…).
    place_labels: list[str] = []
    # --- typos, homophones, slang: canonical word -> ways field staff write it ----------
    synonyms: dict[str, list[str]] = {}
    # --- follow-ups: a photo or a short line soon after one's own report adds to it ------
    followup_minutes: float = Field(default=2, ge=0)
    followup_max_chars: int = Field(default=20, ge=0)
    # After "请补充地点" the reporter's short answer naming a place is taken this long (minutes),
    # unless they reported something else meanwhile.
    place_answer_minutes: float = Field(default=30, ge=0)
    # A photo alone from the unit member who claimed a ticket within this many hours is its
    # after-photo (DingTalk sends pictures as messages of their own).
    after_photo_hours: float = Field(default=24, ge=0)
    # --- learning from 转派 / 改类 (bot/tickets/routing_memory.py) ----------------------------------
    # Corrections that must agree before a word routes by itself; its weight when it does.
    learn_after: int = Field(default=3, ge=1)
    learned_weight: float = Field(default=6, gt=0)
    # Words this common (jieba IDF below this) are never learned: 有人, 门口, 好多.
    learn_min_idf: float = Field(default=9.0, ge=0)
    # A running service rereads the learned words this often (at once after its own
    # corrections); a correction made by another worker or the CLI counts within this time.
    learned_refresh_seconds: float = Field(default=30, ge=0)


class RankingWeights(_Strict):
    """Weights of the rates in the composite ranking score (横向对比); see bot/reports/kpi.py."""

    response_rate: float = Field(default=0.3, ge=0)
    resolution_rate: float = Field(default=0.3, ge=0)
    on_time_fix_rate: float = Field(default=0.3, ge=0)
    first_pass_rate: float = Field(default=0.1, ge=0)


class DigestConfig(_Strict):
    """When the digests go out (deployment time zone) and how units are ranked."""

    daily_time: ClockTime = time(17, 30)
    weekly_time: ClockTime = time(9, 0)
    # 0 = Monday ... 6 = Sunday; the weekly summary covers the full week before.
    weekly_weekday: int = Field(default=0, ge=0, le=6)
    monthly_time: ClockTime = time(9, 0)
    # Day of the month the 月通报 for the previous month goes out.
    monthly_day: int = Field(default=1, ge=1, le=28)
    # Groups that get the district-wide daily digest instead of their own group's.
    district_groups: list[str] = []
    # A unit needs at least this many tickets dispatched in the period to be ranked.
    min_tickets_for_ranking: int = Field(default=3, ge=1)
    # How many units the 红榜 and the 黑榜 each name.
    ranking_size: int = Field(default=3, ge=1)
    weights: RankingWeights = RankingWeights()
    # Longest list (overdue, urgent) a digest prints before "……另有N条".
    list_limit: int = Field(default=20, ge=1)


class LifecycleConfig(_Strict):
    """Rules on top of the lifecycle table (bot/tickets/lifecycle.py) that stop a unit grading its own work."""

    # On: nobody verifies (验收) a fix their own unit reported done, and a reporter cannot cancel
    # a ticket near its deadline (that needs the 创城办). Off only for a one-person pilot.
    separation_of_duties: bool = True
    # "Near its deadline": in the last this-much of the fix window (dispatch → fix deadline),
    # past the fix deadline, or unclaimed past the claim deadline.
    near_deadline_share: float = Field(default=0.25, gt=0, le=1)
    # 验收不通过 gives the unit at least this share of the category's fix hours from then on to
    # redo the work (bot/tickets/deadlines.py rework_deadline).
    rework_share: float = Field(default=0.5, gt=0, le=1)


class GuanjiaConfig(_Strict):
    timezone: str = "Asia/Shanghai"
    # Names the bot is @-mentioned by; stripped before a command is read.
    bot_names: list[str] = ["创城大管家"]
    supervisors: list[str] = []
    # sender id -> display name, used in replies and by the chat simulator's /as.
    people: dict[str, str] = {}
    # Per-platform ids, mobile and default group, from `people: {id: {name, mobile, dingtalk, ...}}`.
    contacts: dict[str, ContactConfig] = {}
    units: dict[str, UnitConfig]
    categories: dict[str, CategoryConfig]
    urgent: UrgentConfig
    groups: dict[str, GroupConfig] = {}
    parser: ParserConfig = ParserConfig()
    # Places -> communities -> streets/towns, for the area column and territorial routing.
    gazetteer: GazetteerConfig = GazetteerConfig()
    # Sender ids of the leaders that overdue tickets escalate to (二次督办).
    leaders: list[str] = []
    calendar: CalendarConfig = CalendarConfig()
    reminders: RemindersConfig = RemindersConfig()
    outbox: OutboxConfig = OutboxConfig()
    # Where unclear or returned reports go: the 创城办 and its catch-all category.
    triage_unit: str = "ccb"
    triage_category: str = "other"
    digests: DigestConfig = DigestConfig()
    lifecycle: LifecycleConfig = LifecycleConfig()
    # 测评点位 and inspection rounds (督查).
    points: PointsConfig = PointsConfig()
    hotspots: HotspotsConfig = HotspotsConfig()
    recheck: RecheckConfig = RecheckConfig()
    satisfaction: SatisfactionConfig = SatisfactionConfig()
    # 迎检: a campaign period before the assessment (shorter deadlines, more reminders).
    campaign: CampaignConfig = CampaignConfig()

    @model_validator(mode="before")
    @classmethod
    def _split_people(cls, data: Any) -> Any:
        return split_people(data)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    def may_inspect(self, sender_id: str) -> bool:
        return self.is_supervisor(sender_id) or sender_id in self.points.inspectors

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
