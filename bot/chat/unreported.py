"""No report silently lost: what the intake does with a message that is neither command nor report.

- Written to the bot (`IncomingMessage.addressed`: it @s the bot, or came in a private chat):
  thanks, acknowledgements and other chatter (notices, "已经清理了") get no answer; greetings
  and questions get a one-line hint (HINT); anything else gets one question (QUESTION) and
  is kept as 疑似上报 (kind `asked`). The sender's next message in the same group within
  `parser.followup_minutes` answers it: the two texts are read together as a report (or
  registered as `other` for the 创城办 to triage).
  Unanswered, it stays on the 疑似上报 list.
- In a group, a near miss (`ParsedMessage.near_miss`) is kept as 疑似上报 without a word.
- A question about an earlier report without its number ("@大管家 菜市场那个是不是处理了"):
  `asked_about` finds the open or lately closed tickets of the group at the place it names,
  and the pipeline answers it as 查询 (one), lists them (several) or says none was found.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import and_, literal, or_, select
from sqlalchemy.orm import Session

from bot.chat.context import ChatContext
from bot.chat.evidence import take_waiting_evidence
from bot.chat.followups import place_in_answer
from bot.chat.messages import Outcome, Reply
from bot.chat.reading import ReadMessage
from bot.chat.report import report_outcome
from bot.chat.suspects import SuspectService
from bot.core.actor import Actor
from bot.core.clock import FixedClock
from bot.core.echo_safety import echo
from bot.parsing.parser import MessageParser
from bot.tickets.formatting import category_tag, place_text
from bot.tickets.service import TicketService
from bot.tickets.status_labels import status_label
from config.schema import GuanjiaConfig
from models import OPEN_STATUSES, SuspectKind, Ticket, TicketStatus

QUESTION = "要登记为问题吗？请说明问题和地点"
HINT = "我是创城大管家：直接发「问题+地点」（可带照片）即可登记派单；发「日报」看今天的进度，发「帮助」查看全部命令。"
WITHDRAWN = "好的，不登记。"
_PHOTO_MARKS = ("[图片]", "[照片]", "［图片］")
_THANKS = ("谢谢", "感谢", "多谢", "辛苦", "thx", "thanks", "Thanks")
_QUESTION_WORDS = re.compile(r"[?？]|吗$|呢$|怎么|如何|哪里|哪儿|什么|能不能|可不可以|是否|多少|几个|几条|几件|谁")
_NO = re.compile(r"^(?:不用|不要|不是|不必|算了|没事|取消|否|无需|不需要)")
_YES = re.compile(r"^(?:是|是的|对|要|要的|嗯|好|好的|可以|登记|需要)[的吧啊呀。.!！]*$")
# A short answer that only says yes or no; longer ones carry the report itself.
_SHORT = 6


def _starts(text: str, words: tuple[str, ...] | list[str]) -> bool:
    return any(text.startswith(w) for w in words if w)


def addressed_kind(cfg: GuanjiaConfig, message: ReadMessage) -> str:
    """How to answer an @message that is not a report: `silent`, `hint` or `ask`."""
    msg, clean = message.incoming, message.clean
    if not clean:
        has_photo = bool(msg.images) or any(mark in msg.text for mark in _PHOTO_MARKS)
        return "ask" if has_photo else "hint"
    if _starts(clean, _THANKS) or (_starts(clean, cfg.parser.ack_words) and len(clean) <= _SHORT):
        return "silent"
    if message.greeting or _QUESTION_WORDS.search(clean) or _starts(clean, cfg.parser.question_cues):
        return "hint"
    if message.chatter:  # a notice, "大家辛苦了", "已经清理了": not for registration
        return "silent"
    return "ask"


def not_a_report(suspects: SuspectService, cfg: GuanjiaConfig, message: ReadMessage, inbound_id: int) -> Outcome:
    msg = message.incoming
    if msg.addressed:
        kind = addressed_kind(cfg, message)
        if kind == "silent":
            return Outcome()
        if kind == "hint":
            return Outcome([Reply(HINT)])
        suspects.keep(inbound_id, msg, SuspectKind.ASKED)
        return Outcome([Reply(QUESTION)])
    if message.parsed is not None and message.parsed.near_miss:
        suspects.keep(inbound_id, msg, SuspectKind.NEAR_MISS)
    return Outcome()


def answer_question(
    suspects: SuspectService, cfg: GuanjiaConfig, parser: MessageParser, message: ReadMessage, asked_id: int
) -> Outcome | None:
    """The sender's answer to the question the bot asked them lately (`asked_id`, still open)."""
    msg = message.incoming
    asked = suspects.get(asked_id, for_update=True)
    now = suspects.clock.now()
    actor = Actor(msg.sender_id, cfg.display_name(msg.sender_id, msg.sender_name), msg.msg_id, platform=msg.platform)
    clean = message.clean
    if _NO.match(clean) and len(clean) <= _SHORT:
        suspects.withdraw(asked, actor, msg.text)
        return Outcome([Reply(WITHDRAWN)])
    answer = "" if not clean or (_YES.match(clean) and len(clean) <= _SHORT) else msg.text.strip()
    place = place_in_answer(cfg, parser, clean) if answer else None
    conversion = suspects.complete(asked, actor, answer, msg.images, place)
    ctx = ChatContext(
        service=TicketService(suspects.session, cfg, FixedClock(now)),
        cfg=cfg,
        actor=actor,
        group_id=msg.group_id,
        images=msg.images,
        now=now,
    )
    # A pin or file as the answer (or sent while the question was open) joins the new tickets.
    added = take_waiting_evidence(ctx, [t for t, _ in conversion.registered])
    return report_outcome(ctx, conversion.registered, added=added)


# --- a question about an earlier report, without its number --------------------------------
# A closed ticket is asked about for this long after closing ("菜市场那个是不是处理了").
ASKED_CLOSED_DAYS = 7
ASKED_LIST = 3  # tickets listed when several match
# What follows the place in such a question: "菜市场那个是不是…", "幸福小区的井盖怎么还…".
_AFTER_PLACE = re.compile(
    r"那个|那件|那边|那里|那儿|那处|的那|的问题|的事|是不是|是否|有没有|怎么|咋|为什么|为啥|还没|还是|什么时候|啥时候"
    r"|处理|解决|现在|目前|到底"
)
_BEFORE_PLACE = re.compile(r"^(?:请问|问一下|问下|想问一下|我报的|我上报的|我反映的|之前|上次|刚才|前几天|昨天)+")


def asked_place(parser: MessageParser, message: ReadMessage) -> str | None:
    """The place a question about an earlier report names, in the words before "那个" or the
    question ("菜市场那个是不是处理了" → 菜市场): as the parser reads it there, else those words.
    None when there are none ("我报的那个怎么还没弄好": the sender's own tickets are meant)."""
    head = _AFTER_PLACE.split(_BEFORE_PLACE.sub("", message.clean), maxsplit=1)[0].strip(" ，,。的")
    if len(head) < 2:
        return None
    parsed = message.parsed
    found = parser.locate_clean(head)
    if not found and parsed is not None:
        found = next((p.location for p in parsed.problems if p.location), None)
    return found if found and found in head else head


def asked_about(
    session: Session,
    group_id: str,
    place: str | None,
    now: datetime,
    categories: set[str] | None = None,
    reporter: str = "",
) -> list[Ticket]:
    """The open tickets of this group, and those closed in the last ASKED_CLOSED_DAYS, whose place
    holds `place` or lies within it, or whose text names it (no place: those `reporter` reported);
    newest first, at most ASKED_LIST + 1. Duplicates are left out: the ticket they repeat is the
    one to ask about."""
    closed_since = now - timedelta(days=ASKED_CLOSED_DAYS)
    query = (
        select(Ticket)
        .where(Ticket.group_id == group_id, Ticket.duplicate_of.is_(None))
        .where(
            or_(
                Ticket.status.in_(OPEN_STATUSES),
                and_(Ticket.status == TicketStatus.CLOSED, Ticket.closed_at >= closed_since),
            )
        )
        .order_by(Ticket.id.desc())
        .limit(ASKED_LIST + 1)
    )
    if place is None:
        query = query.where(Ticket.reporter_id == reporter)
    else:
        query = query.where(
            or_(
                Ticket.location.contains(place, autoescape=True),
                and_(Ticket.location.is_not(None), literal(place).contains(Ticket.location)),
                Ticket.text.contains(place, autoescape=True),
            )
        )
    if categories:
        query = query.where(Ticket.category.in_(categories))
    return list(session.scalars(query))


def asked_list(cfg: GuanjiaConfig, tickets: list[Ticket]) -> str:
    """Several tickets match the question: which one?"""
    lines = ["您问的是哪一张？"]
    lines += [f"#{t.id}{category_tag(cfg, t)}{place_text(t)} {status_label(t.status)}" for t in tickets[:ASKED_LIST]]
    lines.append("可发：查询 N（N 为工单号）")
    return "\n".join(lines)


def asked_none(place: str | None) -> str:
    """Nothing matches the question."""
    where = f"与「{echo(place)}」有关的" if place else "您问的"
    return f"没有找到{where}未办结或近期办结的工单。可发「查询 工单号」查看进度，或发「我的」查看您上报的工单。"
