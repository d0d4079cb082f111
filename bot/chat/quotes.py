"""Quoted replies: "已整改" quoting the bot's "已登记 #12" is `完成 12`.

A command written without its ticket number takes the one number the quoted message names.
DingTalk and WeCom send the quoted text; Feishu sends only the quoted message's id
(`parent_id`), so its text is what guanjia recorded for it: the message and the answer given.
A quote naming no number, or several, gives none: the usual "请写明工单号" stands.
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.chat.messages import IncomingMessage, Outcome
from models import InboundMessage

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
    if msg.quoted_text:
        return ticket_in(msg.quoted_text)
    if msg.quoted_msg_id:
        return ticket_in(_recorded_text(session_factory, msg))
    return None
