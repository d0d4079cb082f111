"""Follow-ups: a photo or a short line soon after one's own report belongs to that report.

Field staff post "[图片]" or "在3号楼北边" right after a report (the bot asks for the place when
a report names none: the answer fills it, and moves a territorial ticket to its community). Within
`parser.followup_minutes` of their last report in the same group, such a message is added to
that report's tickets (an event, the photos, the place when it had none) instead of being
read alone. "Soon" is measured on the intake's clock, never the wall clock.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import Select, and_, bindparam, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from bot.chat.commands import NOT_A_TICKET, listed_numbers
from bot.chat.evidence import add_evidence, attach_evidence, describe
from bot.chat.messages import IncomingMessage, Outcome, Reply
from bot.chat.reading import ReadMessage
from bot.core.actor import Actor
from bot.core.clock import FixedClock
from bot.core.echo_safety import echo
from bot.core.errors import DomainError
from bot.core.hot_statements import HotStatement
from bot.parsing.parser import MessageParser, ParsedMessage
from bot.tickets.dispatcher import unit_mentions
from bot.tickets.gazetteer import resolve, territorial_members
from bot.tickets.hot_writes import Supplemented
from bot.tickets.service import TicketService
from config.schema import GuanjiaConfig
from models import OPEN_STATUSES, Ticket, TicketStatus
from models.ticket import MAX_TICKET_ID

_PLACE_SAID = re.compile(r"^(?:在|位置\s*[:：]?|地点\s*[:：]?|地址\s*[:：]?)\s*(\S.{0,30})$")
_PHOTO_MARKS = ("[图片]", "[照片]", "[image]", "[Image]", "［图片］")
PLACE_ANSWER_MAX_CHARS = 40
# A place answer that only points ("这里", "就在那边"): the reporter is standing there, the unit is not.
_POINTING = re.compile(
    r"(?:就|就是|在|就在)?(?:这里|那里|这边|那边|这儿|那儿|这块|那块|此处|这个地方|那个地方|这|那)[啊呀的了。！!]*"
)
_PLACE_LEAD_CHARS = 2  # "就在", "位于" before the place in an answer


def is_followup_shaped(cfg: GuanjiaConfig, message: ReadMessage, max_chars: int | None = None) -> bool:
    """A photo, or a short line that is not chatter (收到, a notice, a question) nor a greeting."""
    msg = message.incoming
    if not message.clean:
        return bool(msg.images) or any(mark in msg.text for mark in _PHOTO_MARKS)
    limit = cfg.parser.followup_max_chars if max_chars is None else max_chars
    return len(message.clean) <= limit and not message.chatter and not message.greeting


def followup_candidate(cfg: GuanjiaConfig, message: ReadMessage) -> bool:
    """Shaped like a follow-up; an answer to "请补充地点" may be longer than one usually is.
    A map pin or a file sent alone is one too: it is evidence for the report."""
    if not message.clean and message.incoming.evidence() is not None:
        return True
    return is_followup_shaped(cfg, message, max(cfg.parser.followup_max_chars, PLACE_ANSWER_MAX_CHARS))


def place_in_answer(cfg: GuanjiaConfig, parser: MessageParser, note: str) -> str | None:
    """The place in a reply to a question about it (`note` is the parser's clean text): as the
    parser finds it, after 在/地点：, or the whole line when it names a community's place or
    holds a place word or a number ("3号楼北边", "南门口外面"); "那个东西" is none."""
    return _place_said(cfg, parser, note)[0]


def _place_said(cfg: GuanjiaConfig, parser: MessageParser, note: str) -> tuple[str | None, bool]:
    """place_in_answer, and whether the line is surely a place: the parser located the place or
    the line says 在/地点：. The looser readings (a place word or a number somewhere) also take
    "那辆面包车在人行道上停三天了", which is a next report, not an answer."""
    if not note or _POINTING.fullmatch(note):
        return None, False  # "这里" names no place the unit could find
    said = _PLACE_SAID.match(note)
    found = parser.locate_clean(note)
    if said:
        return found or said.group(1).strip(), True
    if found:
        return found, True
    pc = cfg.parser
    words = (*pc.place_suffixes, *pc.place_landmarks, *pc.place_tails)
    if resolve(cfg, note) is not None or any(ch.isdigit() for ch in note) or any(w and w in note for w in words):
        return note, False
    return None, False


class RecentTicket(NamedTuple):
    """What deciding on a follow-up needs of a recent ticket: read as plain columns, since most
    short messages after one's own report turn out not to be follow-ups (a next report)."""

    id: int
    category: str
    location: str | None
    reporter_id: str
    area: str | None
    recent: int  # 1: within the follow-up window; 0: only the place is waited for (place_answer_minutes)


def _adds_to(parsed: ParsedMessage, tickets: list[RecentTicket]) -> bool:
    """Not a report, or one about the same problems at the same place: "垃圾也越堆越多"."""
    if not parsed.is_report:
        return True
    if not {p.category for p in parsed.problems} <= {t.category for t in tickets}:
        return False
    place = parsed.problems[0].location
    return not place or any(t.location and (place in t.location or t.location in place) for t in tickets)


# Asked for most short messages, so built once. A report's tickets share its source_msg_id
# (a message with several problems opens several); a duplicate adds to the ticket it
# duplicates; cancelled or closed tickets take nothing.
def _latest_report(prefix: str) -> Select[Any]:
    """The sender's latest report here, when it is within the follow-up window, or within the
    place-answer window and without a place (bind names start with `prefix`): a later report of
    theirs, with or without a place, ends the wait for the earlier one's place."""
    latest = (
        select(Ticket.id, Ticket.created_at, Ticket.location)
        .where(Ticket.group_id == bindparam(f"{prefix}group"), Ticket.reporter_id == bindparam(f"{prefix}sender"))
        .where(Ticket.created_at >= bindparam(f"{prefix}place_since"), Ticket.created_at <= bindparam(f"{prefix}now"))
        .order_by(Ticket.id.desc())
        .limit(1)
        .subquery()
    )
    return select(latest.c.id).where(
        or_(latest.c.created_at >= bindparam(f"{prefix}since"), latest.c.location.is_(None))
    )


_LATEST_REPORT = _latest_report("latest_")
# The same lookup as a column of the statement that records the message (bot/chat/intake.py):
# most messages have no recent report, and then it costs no statement of its own.
LATEST_REPORT = _LATEST_REPORT.scalar_subquery()


def place_answer_minutes(cfg: GuanjiaConfig) -> float:
    """How long the answer to "请补充地点" is waited for (never shorter than a follow-up's window)."""
    return max(cfg.parser.followup_minutes, cfg.parser.place_answer_minutes)


def latest_report_params(cfg: GuanjiaConfig, msg: IncomingMessage, now: datetime) -> dict[str, object]:
    since = now - timedelta(minutes=cfg.parser.followup_minutes)
    place_since = now - timedelta(minutes=place_answer_minutes(cfg))
    return {
        "latest_group": msg.group_id,
        "latest_sender": msg.sender_id,
        "latest_since": since,
        "latest_place_since": place_since,
        "latest_now": now,
    }


_LATEST = aliased(Ticket, name="latest")
_TARGETS = HotStatement(
    select(
        Ticket.id,
        Ticket.category,
        Ticket.location,
        Ticket.reporter_id,
        Ticket.area,
        case((Ticket.created_at >= bindparam("since", type_=Ticket.created_at.type, required=False), 1), else_=0),
    )
    .where(
        Ticket.id.in_(
            select(func.coalesce(Ticket.duplicate_of, Ticket.id))
            .join(
                _LATEST,
                and_(
                    _LATEST.id == bindparam("latest_id", required=False),
                    Ticket.reporter_id == _LATEST.reporter_id,
                    Ticket.group_id == _LATEST.group_id,
                    Ticket.created_at == _LATEST.created_at,
                ),
            )
            .where(
                Ticket.reporter_id == bindparam("sender_id", required=False),
                or_(Ticket.source_msg_id == _LATEST.source_msg_id, Ticket.id == _LATEST.id),
            )
        ),
        Ticket.status.in_(OPEN_STATUSES),
    )
    .order_by(Ticket.id)
)  # on the cursor (bot/core/hot_statements.py): asked for every short line after a report;
# the IN list is rendered with its constants, which needs the binds declared not required.
# A report's tickets are written in one turn with one clock reading (bot/chat/pipeline.py gives
# the service a FixedClock), so they share reporter, group and created_at: the lookup walks that
# index's few entries. Matched on source_msg_id alone, which no index holds, it read every ticket
# of the reporter, or (on PostgreSQL, for a reporter of many) the whole table: 0.15–0.3 s a follow-up
# at a million tickets, inside the writer every message waits for.


def recent_report(session: Session, msg: IncomingMessage, latest_id: int | None, since: datetime) -> list[RecentTicket]:
    """The open tickets of the sender's latest report in this group (`latest_id`, read when the
    message was recorded, None when there is none recent enough); `recent` says whether they
    were written since `since` (the follow-up window's start)."""
    if latest_id is None:
        return []
    targets = {"sender_id": msg.sender_id, "latest_id": latest_id, "since": since}
    return [RecentTicket(*row) for row in _TARGETS.rows(session, targets)]


def attach_followup(
    session: Session,
    cfg: GuanjiaConfig,
    parser: MessageParser,
    message: ReadMessage,
    parsed: ParsedMessage,
    now: datetime,
    latest_id: int | None,
) -> Outcome | None:
    """Add a `followup_candidate` to the sender's recent report (`latest_id`, see recent_report)
    and answer briefly; None if it is not one."""
    msg = message.incoming
    evidence = msg.evidence()
    since = now - timedelta(minutes=cfg.parser.followup_minutes)
    tickets = recent_report(session, msg, latest_id, since)
    if tickets and not tickets[0].recent:
        # Past the follow-up window only the answer to "请补充地点" is taken: a short line that
        # names a place and no other problem, for the tickets still without one.
        tickets = [t for t in tickets if not t.location]
        if (evidence is not None and not message.clean) or not _place_only(cfg, parser, message, parsed, tickets):
            return None
    if evidence is not None and not message.clean:  # a map pin or a file alone
        return attach_evidence(session, cfg, msg, tickets, now)
    # Photos join only the sender's own tickets: a duplicate's follow-up must not put pictures
    # on the ticket it duplicates, which is someone else's report (issue 14, finding 7).
    own = {t.id for t in tickets if t.reporter_id == msg.sender_id}
    if msg.images and not own and not parser.clean(msg.text):
        return None
    if not tickets:
        return None
    note = message.clean or None
    awaiting_place = [t for t in tickets if not t.location]
    place = _place_said(cfg, parser, message.clean)[0]
    only_place = _place_only(cfg, parser, message, parsed, tickets)
    if not only_place and not _adds_to(parsed, tickets):
        return None
    if note and len(note) > cfg.parser.followup_max_chars and not awaiting_place:
        return None
    service = TicketService(session, cfg, FixedClock(now))
    actor = Actor(msg.sender_id, cfg.display_name(msg.sender_id, msg.sender_name), msg.msg_id, platform=msg.platform)
    supplemented: list[Supplemented] = []
    for ticket in tickets:
        images = msg.images if ticket.id in own else ()
        supplemented.append(service.supplement(ticket.id, actor, note or msg.text.strip() or None, images, place))
    if evidence is not None:  # words with a file or a pin (a Feishu post with a video)
        add_evidence(service, tickets, actor, evidence)
    numbers = "、".join(f"#{t.id}" for t in tickets)
    photos = len(msg.images) if own else 0
    photos = photos or (sum(msg.text.count(mark) for mark in _PHOTO_MARKS) if own else 0)
    what = f"照片{photos}张" if photos and not note else (f"「{echo(note)}」" + (f"及照片{photos}张" if photos else ""))
    what += f"及{describe(evidence)}" if evidence is not None else ""
    text, mentions = f"已补充到 {numbers}：{what}", list[str]()
    if awaiting_place and not place and note:  # "这里": the question still stands
        text += "\n地点还未注明，请补充具体地点（路名、小区、门牌或附近的店）"
    for after, before in zip(supplemented, tickets, strict=True):
        text += _moved(cfg, after, before.area, mentions)
    return Outcome([Reply(text, tuple(mentions))], [t.id for t in tickets])


def _moved(cfg: GuanjiaConfig, after: Supplemented, area_before: str | None, mentions: list[str]) -> str:
    """The reply's line when a territorial ticket's new place lies in a known community: that
    community is @-ed (added to `mentions`)."""
    if after.area == area_before or not territorial_members(cfg, after.unit, after.area):
        return ""
    mentions += [m for m in unit_mentions(cfg, after.unit, after.area) if m not in mentions]
    return f"\n#{after.id} 属地：{echo(after.area)}"


def _place_only(
    cfg: GuanjiaConfig, parser: MessageParser, message: ReadMessage, parsed: ParsedMessage, tickets: list[RecentTicket]
) -> bool:
    """The line is a place, however the parser scores it ("南关市场门口" is read as 【农贸市场】
    too). Either the answer to the bot's question about it: all of it a place, or a place and
    no named problem, but never a problem the report did not name (人行道 and 路口 are place
    words, "那辆面包车在人行道上停三天了" is a next report). Or, when the report had a place,
    the reporter pinning it down ("在北门"): only a line that is surely a place and nothing
    else, since a next report may follow at once. A place fills only a ticket without one."""
    note = message.clean
    place, surely = _place_said(cfg, parser, note)
    named = {p.category for p in parsed.problems} - {cfg.triage_category}
    another_problem = not named <= {t.category for t in tickets}
    whole = bool(place and note and len(place) >= len(note) - _PLACE_LEAD_CHARS)
    if any(not t.location for t in tickets):
        return bool(note and place and ((whole and (surely or not another_problem)) or not named))
    return whole and surely


def is_photo_alone(message: ReadMessage) -> bool:
    return bool(message.incoming.images) and not message.clean


def attach_after_photos(session: Session, cfg: GuanjiaConfig, msg: IncomingMessage, now: datetime) -> Outcome | None:
    """A photo alone (`is_photo_alone`) from whoever claimed a ticket in this group lately: that
    ticket's after-photo."""
    since = now - timedelta(hours=cfg.parser.after_photo_hours)
    query = (
        select(Ticket)
        .where(Ticket.group_id == msg.group_id, Ticket.claimed_by == msg.sender_id)
        .where(Ticket.status.in_((TicketStatus.CLAIMED, TicketStatus.FIXED)), Ticket.claimed_at >= since)
        .order_by(Ticket.claimed_at.desc(), Ticket.id.desc())
        .limit(1)
    )
    ticket = session.scalars(query).first()
    if ticket is None:
        return None
    actor = Actor(msg.sender_id, cfg.display_name(msg.sender_id, msg.sender_name), msg.msg_id, platform=msg.platform)
    try:
        TicketService(session, cfg, FixedClock(now)).add_after_photos(ticket.id, actor, msg.images)
    except DomainError:  # no longer in the unit: the photo is just a photo
        return None
    return Outcome([Reply(f"已收到 #{ticket.id} 的整改照片{len(msg.images)}张")], [ticket.id])


# "1号不行 还是挂着", "#3 那边我看了还没人去": a remark on a ticket named by its number. Not a
# place (3号楼, 7号摊位, 2号口) and not a date ("12号下午开会", "5号前完成"), which chat is full of.
_NOT_A_DATE = (
    rf"(?![{NOT_A_TICKET}\d\-－~～至到]|上午|下午|晚上|早上|中午|凌晨|之前|以前|前|之后|以后|后"
    r"|开始|起|左右|开会|检查|迎检|放假|上班|下班|周|星期|当天|那天|这天|全天|统一)"
)
_BY_NUMBER = re.compile(rf"^(?:#\s*(?P<hash>\d{{1,10}})|(?P<n>\d{{1,10}})\s*号{_NOT_A_DATE})[\s,，:：、]*\S", re.S)
# What follows a list of numbers ("11号和12号是同一个烧烤摊"): the same, after its last 号.
_AFTER_LIST = re.compile(rf"{_NOT_A_DATE}[\s,，:：、]*\S", re.S)


def remark_candidate(message: ReadMessage) -> tuple[int, ...]:
    """The numbers of the tickets a line opens with, when it is shaped as a remark on them
    ("11号和12号是同一个烧烤摊" is about both), or the one ticket the message quotes (a reply
    to the bot's "已登记 #9…" is about #9); empty when it is no remark."""
    if not message.clean:  # a photo alone is an after-photo or a follow-up, never a remark
        return ()
    listed = listed_numbers(message.clean, 0)
    if listed is not None and listed.marked and _AFTER_LIST.match(message.clean, listed.end):
        numbers = [int(d) for d in listed.numbers if len(d) <= len(str(MAX_TICKET_ID))]
    else:
        found = _BY_NUMBER.match(message.clean)
        numbers = [int(found.group("hash") or found.group("n")) if found is not None else message.quoted or 0]
    return tuple(dict.fromkeys(n for n in numbers if 0 < n <= MAX_TICKET_ID))


def remark_on_ticket(
    session: Session,
    cfg: GuanjiaConfig,
    message: ReadMessage,
    parsed: ParsedMessage,
    ticket_ids: tuple[int, ...],
    now: datetime,
    same_place: bool = False,
) -> Outcome | None:
    """Add the line to each open ticket of `ticket_ids` here as a note, @-ing their units when
    someone else wrote it; None (read on) when there is none, or the line is a report with a
    place of its own (unless `same_place`: the ticket was found by that place)."""
    msg = message.incoming
    query = select(Ticket.id, Ticket.unit, Ticket.area, Ticket.reporter_id, Ticket.status, Ticket.location).where(
        Ticket.id.in_(ticket_ids), Ticket.group_id == msg.group_id, Ticket.status.in_(OPEN_STATUSES)
    )
    found = sorted(session.execute(query).all(), key=lambda row: ticket_ids.index(row[0]))
    if not found:
        return None
    # "8号在南菜园路公交站附近": the reporter (or the 创城办) answering "请补充地点" by the number,
    # perhaps after the unit asked "8号收到 在哪", fills the place as the follow-up answer does.
    may = msg.sender_id == found[0].reporter_id or cfg.is_supervisor(msg.sender_id)
    place = _place_by_number(cfg, message) if len(found) == 1 and found[0].location is None and may else None
    if place is None and parsed.is_report and any(p.location for p in parsed.problems) and not same_place:
        return None
    actor = Actor(msg.sender_id, cfg.display_name(msg.sender_id, msg.sender_name), msg.msg_id, platform=msg.platform)
    service = TicketService(session, cfg, FixedClock(now))
    mentions: list[str] = []
    photos, extra = "", ""
    for ticket_id, unit, area, reporter, status, _ in found:
        images = msg.images if msg.sender_id == reporter else ()
        after = service.supplement(ticket_id, actor, message.clean, images, place)
        photos = f"及照片{len(images)}张" if images else photos
        moved_to: list[str] = []
        moved = _moved(cfg, after, area, moved_to)  # its place lies in a community: that one is @-ed
        members = moved_to if moved else unit_mentions(cfg, unit, area)
        mentions += [] if msg.sender_id in members else [m for m in members if m not in mentions]
        extra += (f"\n#{ticket_id} 地点：{echo(place)}" if place else "") + moved
        if status == TicketStatus.FIXED and (msg.sender_id == reporter or cfg.is_supervisor(msg.sender_id)):
            # "1号不行 还是挂着" after the unit said it was done: the verdict is one command away.
            extra += f"\n如验收不通过，请发：验收 {ticket_id} 不通过 原因"
    numbers = "、".join(f"#{row[0]}" for row in found)
    text = f"已补充到 {numbers}：「{echo(message.clean)}」{photos}{extra}"
    return Outcome([Reply(text, tuple(mentions))], [row[0] for row in found])


_NUMBER_HEAD = re.compile(r"^(?:#\s*\d+\s*号?|\d+\s*号)[\s,，:：、]*")


def _place_by_number(cfg: GuanjiaConfig, message: ReadMessage) -> str | None:
    """The place in "N号在<place>" / "N号 地点：<place>", read as the answer to "请补充地点" is."""
    rest = _NUMBER_HEAD.sub("", message.clean)
    if len(rest) > PLACE_ANSWER_MAX_CHARS:
        return None
    place, surely = _place_said(cfg, message.parser, rest)
    return place if place and (surely or len(place) >= len(rest) - _PLACE_LEAD_CHARS) else None
