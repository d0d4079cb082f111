"""No report silently lost: what the intake does with a message that is neither command nor report.

- Written to the bot (`IncomingMessage.addressed`: it @s the bot, or came in a private chat):
  thanks, acknowledgements and other chatter (notices, "已经清理了") get no answer; greetings
  and questions get a one-line hint (HINT); anything else gets one question (QUESTION) and
  is kept as 疑似上报 (kind `asked`). The sender's next message in the same group within
  `parser.followup_minutes` answers it: the two texts are read together as a report (or
  registered as `other` for the 创城办 to triage).
  Unanswered, it stays on the 疑似上报 list.
- In a group, a near miss (`ParsedMessage.near_miss`) is kept as 疑似上报 without a word.
"""

from __future__ import annotations

import re

from bot.chat.context import ChatContext
from bot.chat.evidence import take_waiting_evidence
from bot.chat.followups import place_in_answer
from bot.chat.messages import Outcome, Reply
from bot.chat.reading import ReadMessage
from bot.chat.report import report_outcome
from bot.chat.suspects import SuspectService
from bot.core.actor import Actor
from bot.core.clock import FixedClock
from bot.parsing.parser import MessageParser
from bot.tickets.service import TicketService
from config.schema import GuanjiaConfig
from models import SuspectKind

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
