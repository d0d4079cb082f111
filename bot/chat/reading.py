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

from bot.chat.commands import CommandMatch, CommandRegistry, UsageError
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

    @property
    def greeting(self) -> bool:
        """ "你好", "在吗": said to the bot, never a report nor a note to add to one."""
        return self.clean.startswith(GREETINGS)


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
    return ReadMessage(msg, None, clean, chatter, parsed, parser, hint, number)


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
