"""One incoming message, read once and before its transaction opens: what every pipeline step checks.

Reading is the CPU part of handling a message (normalising, matching commands, parsing), so it
happens outside the write transaction: on SQLite the write lock is then held only while rows
are written. The text is normalised once for commands and cleaned once for the parser; a
message that is not a command is parsed exactly once, with the learned words already loaded.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.chat.commands import Command, CommandMatch, CommandRegistry, UsageError
from bot.chat.messages import IncomingMessage, Outcome
from bot.chat.text_normalize import command_reading
from bot.parsing.parser import Learned, MessageParser, ParsedMessage
from config.schema import GuanjiaConfig
from models import InboundMessage


@dataclass(frozen=True)
class ReadMessage:
    # Storable, with `addressed` set when the text opens with "@大管家" (left in by a bridge).
    incoming: IncomingMessage
    # The registry's reading of the command text: a command, a malformed one, or neither.
    command: CommandMatch | UsageError | None
    # The text as the parser reads it (`MessageParser.clean`), and whether that is chatter.
    clean: str
    chatter: bool
    # None for a command or a malformed one (never parsed); otherwise the one parse.
    parsed: ParsedMessage | None
    # The parser that read it: the whole message is handled with this one, even if the
    # nightly job installs a new model meanwhile.
    parser: MessageParser
    # No command and no report, but a command asked for in a sentence ("申请延期两天"):
    # how to write it (CommandRegistry.phrased).
    hint: UsageError | None = None
    # The one ticket a quoted message names (a remark quoting the bot's "已登记 #9" is about #9).
    quoted: int | None = None
    # A question about an earlier report without its number ("菜市场那个是不是处理了"): how it
    # asks (`asks_about_earlier`), and the command that answers a question about a ticket (查询).
    asks: str | None = None
    answering: Command | None = None

    @property
    def greeting(self) -> bool:
        """ "你好", "在吗": said to the bot, never a report nor a note to add to one."""
        return self.clean.startswith(GREETINGS)


# "是不是处理了", "好了没", "怎么样了": whether something reported was done.
_ASKS_DONE = re.compile(
    r"(?:是不是|是否|有没有)(?:已经?|都)?(?:处理|解决|弄|修|清|整改|完成|办|管|派)"
    r"|(?:处理|解决|弄好|修好|清理|清走|整改|完成|办结|办|好|清|修|弄|管)了?(?:吗|么|没有?|不)[?？]*$"
    r"|(?:怎么样|咋样|如何)了|进度如何|什么进度|有进展"
)
# "怎么还没弄好", "还没人管", "什么时候能修": a complaint that something reported is not done.
_ASKS_STILL = re.compile(
    r"(?:怎么|咋|为什么|为啥)(?:还|一直|仍|都没)|还没(?:有)?人?(?:处理|解决|弄|修|清|管|来|整改|动)"
    r"|还是没|(?:什么|啥)时候(?:能|才|处理|解决|弄|修|清|管)"
)
# Words pointing back at something said before: "那个", "我报的".
_EARLIER = re.compile(r"那个|那件|那事|那处|之前|上次|刚才|前几天|我报的|我上报的|报的|反映的")


def asks_about_earlier(clean: str) -> str | None:
    """How a line without a ticket number asks about something reported before: `done` when it
    asks whether it was handled ("菜市场那个是不是处理了", "我报的那个怎么还没弄好"), `still`
    when it complains that it is not ("幸福小区井盖怎么还没修", which may be a report too), None
    when it asks nothing of the kind."""
    if _ASKS_DONE.search(clean) or (_EARLIER.search(clean) and _ASKS_STILL.search(clean)):
        return "done"
    return "still" if _ASKS_STILL.search(clean) else None


GREETINGS = ("你好", "您好", "在吗", "在不在", "hi", "Hi", "hello", "Hello", "早上好", "晚上好", "中午好", "早安")


def read_message(
    msg: IncomingMessage,
    cfg: GuanjiaConfig,
    parser: MessageParser,
    registry: CommandRegistry,
    learned: Callable[[], Learned | None],
    quoted_ticket: Callable[[IncomingMessage], int | None] = lambda _msg: None,
) -> ReadMessage:
    """`learned` is asked only for a message that may be a report (chatter never reads them);
    `quoted_ticket` only for a command written without its number that quotes another message
    ("已整改" quoting "已登记 #12" is `完成 12`)."""
    msg = msg.storable()
    text, at_bot = command_reading(msg.text, cfg.bot_names)
    if at_bot and not msg.addressed:
        msg = replace(msg, addressed=True)
    clean = parser.clean(msg.text)
    chatter = parser.is_chatter_clean(clean)
    command = registry.match(text)
    number = None
    if not isinstance(command, CommandMatch) and (msg.quoted_text or msg.quoted_msg_id):
        number = quoted_ticket(msg)
        if number is not None:
            command = registry.match(text, number) or command
    if command is not None:
        return ReadMessage(msg, command, clean, chatter, None, parser, quoted=number)
    parsed = parser.parse_clean(clean, None if chatter else learned())
    # A report names a problem the rules know, or a place; "1号能不能延期" read as 【其他】 with
    # no place is a unit asking for a command.
    weak = all(p.category == cfg.triage_category and not p.location for p in parsed.problems)
    hint = registry.phrased(text) if weak else None
    asks = asks_about_earlier(clean)
    answering = registry.answering() if asks else None
    return ReadMessage(msg, None, clean, chatter, parsed, parser, hint, number, asks, answering)


# --- quoted replies -----------------------------------------------------------------------
# "已整改" quoting the bot's "已登记 #12" is `完成 12`: a command written without its ticket
# number takes the one number the quoted message names. DingTalk and WeCom send the quoted text;
# Feishu sends only the quoted message's id (`parent_id`), so its text is what guanjia recorded
# for it: the message and the answer given. A quote naming no number, or several, gives none:
# the usual "请写明工单号" stands.

_TICKET_REF = re.compile(r"[#＃]\s*(\d{1,10})(?!\d)")


def ticket_in(text: str) -> int | None:
    """The one ticket number `text` names as #N, or None when it names none or several."""
    numbers = {int(n) for n in _TICKET_REF.findall(text)}
    return numbers.pop() if len(numbers) == 1 else None


def _recorded_text(session_factory: sessionmaker[Session], msg: IncomingMessage) -> str:
    """What a quoted message said, and what guanjia answered it, from the intake's record."""
    query = select(InboundMessage.text, InboundMessage.response).where(
        InboundMessage.platform == msg.platform, InboundMessage.msg_id == msg.quoted_msg_id
    )
    with session_factory() as session:
        row = session.execute(query).first()
    if row is None:
        return ""
    text, response = row
    answer = Outcome.from_json(response) if response else Outcome()
    return "\n".join([text, *(r.text for r in answer.replies)])


def quoted_ticket(session_factory: sessionmaker[Session], msg: IncomingMessage) -> int | None:
    """The quote's own #N; else, for a quoted report (no #N in it), what guanjia answered it:
    found by the quoted message's id, or by its text among this group's recent messages."""
    found = ticket_in(msg.quoted_text) if msg.quoted_text else None
    if found is None and msg.quoted_msg_id:
        found = ticket_in(_recorded_text(session_factory, msg))
    if found is None and msg.quoted_text:
        found = ticket_in(_recorded_by_text(session_factory, msg))
    return found


# How far back a quoted report is looked for by its text: the last this many messages of the
# whole intake, read by primary key, so the cost stays bounded however large the table grows
# (a group's own index would walk all its history when the text is not there).
_QUOTED_RECENT_MESSAGES = 10_000


def _recorded_by_text(session_factory: sessionmaker[Session], msg: IncomingMessage) -> str:
    """The answer guanjia gave the latest recent message of this group with the quoted text
    (WeCom quotes carry the text only)."""
    with session_factory() as session:
        newest = session.scalar(select(func.max(InboundMessage.id))) or 0
        query = (
            select(InboundMessage.response)
            .where(InboundMessage.id > newest - _QUOTED_RECENT_MESSAGES)
            .where(InboundMessage.group_id == msg.group_id, InboundMessage.text == msg.quoted_text)
            .order_by(InboundMessage.id.desc())
            .limit(1)
        )
        response = session.scalar(query)
    answer = Outcome.from_json(response) if response else Outcome()
    return "\n".join(r.text for r in answer.replies)
