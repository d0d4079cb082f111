"""Every chat message, from any adapter or the simulator, enters here exactly once.

The message row is inserted at the start of the transaction that handles it; a platform
retry (even one arriving while the first is still being handled) collides on the unique
(platform, msg_id) key, waits for the first to commit, and gets the stored answer back.
Everything the message causes (tickets, events, the stored answer and the caller's effects:
replies to queue, photos to fetch) is written in that one transaction, so a crash leaves all
of it or none. What happens to a message is the list of steps in bot/chat/pipeline.py.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.chat import pipeline
from bot.chat.commands import CommandRegistry
from bot.chat.messages import IncomingMessage, Outcome
from bot.chat.quotes import quoted_ticket
from bot.chat.reading import read_message
from bot.core.clock import Clock
from bot.core.db import insert_unless_present
from bot.parsing.loading import ParserSource
from bot.parsing.parser import Learned, MessageParser
from bot.tickets.routing_memory import RoutingMemory
from config.schema import GuanjiaConfig
from models import InboundMessage

log = logging.getLogger(__name__)
_NO_ANSWER = Outcome().to_json()
# The answer is stored in the message's row, in the transaction that produced it.
_ANSWERED = (
    update(InboundMessage).where(InboundMessage.id == bindparam("inbound_id")).values(response=bindparam("answer"))
)

# What else one message causes, written by the caller in the message's own transaction
# (session, the stored message, its outcome, the message's instant). Not run for a retry:
# the first delivery wrote it, in the transaction that stored the answer.
Effect = Callable[[Session, IncomingMessage, Outcome, datetime], None]


class _AlreadyRecorded(Exception):
    """This (platform, msg_id) was taken in before: answer from the record."""


class Intake:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        cfg: GuanjiaConfig,
        clock: Clock,
        parser: MessageParser | ParserSource,
        registry: CommandRegistry,
    ) -> None:
        self.session_factory = session_factory
        self.cfg = cfg
        self.clock = clock
        self._parser = parser
        self.registry = registry
        self.memory = RoutingMemory(cfg, clock)
        self.steps = pipeline.build_steps(cfg)

    @property
    def parser(self) -> MessageParser:
        """The parser in use now: a model the nightly job installed is picked up while running."""
        return self._parser.current() if isinstance(self._parser, ParserSource) else self._parser

    def handle(self, msg: IncomingMessage, effects: Sequence[Effect] = ()) -> Outcome:
        parser = self.parser  # one parser for the whole message, even if the nightly job swaps it
        message = read_message(msg, self.cfg, parser, self.registry, self._learned, self._quoted_ticket)
        msg = message.incoming
        with self.session_factory() as session:
            try:
                with session.begin():
                    now = self.clock.now()
                    inbound_id = self._record(session, msg, now)
                    turn = pipeline.Turn(session, self.cfg, parser, now, inbound_id, message)
                    outcome = pipeline.run(self.steps, turn)
                    if outcome.replies or outcome.tickets:  # chatter keeps the empty answer it was stored with
                        answer = {"inbound_id": inbound_id, "answer": outcome.to_json()}
                        session.connection().execute(_ANSWERED, answer)
                    for effect in effects:
                        effect(session, msg, outcome, now)
                return outcome
            except _AlreadyRecorded:
                pass
            with session.begin():
                stored = self._stored_response(session, msg)
        if stored is None:
            raise RuntimeError(f"message {msg.msg_id!r} collided but no stored answer was found")
        log.info("duplicate delivery of %s/%s answered from the record", msg.platform, msg.msg_id)
        return stored

    def _quoted_ticket(self, msg: IncomingMessage) -> int | None:
        """The one #N a quoted message names (bot/chat/quotes.py), read before the write transaction."""
        return quoted_ticket(self.session_factory, msg)

    def _learned(self) -> Learned | None:
        """The words corrections taught, read before the write transaction (cached by RoutingMemory)."""
        with self.session_factory() as session:
            return self.memory.learned(session)

    def _record(self, session: Session, msg: IncomingMessage, now: datetime) -> int:
        """Take the (platform, msg_id) key first; a concurrent duplicate waits here for our commit.

        A plain INSERT (no ORM unit of work): this runs for every message, so it is kept cheap.
        """
        values = {
            "platform": msg.platform,
            "msg_id": msg.msg_id,
            "group_id": msg.group_id,
            "sender_id": msg.sender_id,
            "sender_name": msg.sender_name,
            "text": msg.text,
            "images": list(msg.images),
            "evidence": msg.evidence(),  # a location or files, for the sender's next report (chat/evidence.py)
            "sent_at": msg.sent_at,
            "received_at": now,
            "response": _NO_ANSWER,
        }
        inbound_id = insert_unless_present(session, InboundMessage, values, ["platform", "msg_id"])
        if inbound_id is None:
            raise _AlreadyRecorded
        return inbound_id

    @staticmethod
    def _stored_response(session: Session, msg: IncomingMessage) -> Outcome | None:
        query = select(InboundMessage.response).where(
            InboundMessage.platform == msg.platform, InboundMessage.msg_id == msg.msg_id
        )
        response = session.execute(query).scalar_one_or_none()
        return Outcome.from_json(response) if response is not None else None
