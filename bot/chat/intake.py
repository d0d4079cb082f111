"""Every chat message, from any adapter or the simulator, enters here exactly once.

The message row is inserted at the start of the transaction that handles it; a platform
retry (even one arriving while the first is still being handled) collides on the unique
(platform, msg_id) key, waits for the first to commit, and gets the stored answer back.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.chat.commands import CommandMatch, CommandRegistry, UsageError
from bot.chat.context import ChatContext
from bot.chat.followups import attach_after_photos, attach_followup
from bot.chat.messages import IncomingMessage, Outcome, Reply
from bot.chat.quotes import match_command
from bot.chat.report import handle_report
from bot.chat.suspects import SuspectService
from bot.chat.text_normalize import addresses_bot, command_text
from bot.chat.unreported import answer_question, not_a_report
from bot.core.actor import Actor
from bot.core.clock import Clock, ManualClock
from bot.core.db import insert_unless_present
from bot.core.errors import DomainError
from bot.parsing.loading import ParserSource
from bot.parsing.parser import NOT_A_REPORT, MessageParser, ParsedMessage
from bot.tickets.routing_memory import RoutingMemory
from bot.tickets.service import TicketService
from config.schema import GuanjiaConfig
from models import InboundMessage

log = logging.getLogger(__name__)
_NO_ANSWER = Outcome().to_json()
# The answer is stored in the message's row, in the transaction that produced it.
_ANSWERED = (
    update(InboundMessage).where(InboundMessage.id == bindparam("inbound_id")).values(response=bindparam("answer"))
)


class _AlreadyRecorded(Exception):
    """This (platform, msg_id) was taken in before: answer from the record."""


@dataclass(frozen=True)
class _Plan:
    """What a message is, decided before the transaction so the write lock is held briefly."""

    command: CommandMatch | None = None
    usage_error: UsageError | None = None
    parsed: ParsedMessage | None = None


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

    @property
    def parser(self) -> MessageParser:
        """The parser in use now: a model the nightly job installed is picked up while running."""
        return self._parser.current() if isinstance(self._parser, ParserSource) else self._parser

    def handle(self, msg: IncomingMessage) -> Outcome:
        msg = msg.storable()
        if not msg.addressed and addresses_bot(msg.text, self.cfg.bot_names):
            msg = replace(msg, addressed=True)  # "@大管家 …" left in the text by a bridge
        plan = self._plan(msg)
        with self.session_factory() as session:
            try:
                with session.begin():
                    inbound_id = self._record(session, msg)
                    outcome = self._execute(session, msg, plan, inbound_id)
                    if outcome.replies or outcome.tickets:  # chatter keeps the empty answer it was stored with
                        answer = {"inbound_id": inbound_id, "answer": outcome.to_json()}
                        session.connection().execute(_ANSWERED, answer)
                return outcome
            except _AlreadyRecorded:
                pass
            with session.begin():
                stored = self._stored_response(session, msg)
        if stored is None:
            raise RuntimeError(f"message {msg.msg_id!r} collided but no stored answer was found")
        log.info("duplicate delivery of %s/%s answered from the record", msg.platform, msg.msg_id)
        return stored

    def _plan(self, msg: IncomingMessage) -> _Plan:
        text = command_text(msg.text, self.cfg.bot_names)
        matched = match_command(self.registry, self.session_factory, msg, text)  # a quote may name the ticket
        if isinstance(matched, CommandMatch):
            return _Plan(command=matched)
        if isinstance(matched, UsageError):
            return _Plan(usage_error=matched)
        return _Plan(parsed=self.parser.parse(msg.text))

    def _record(self, session: Session, msg: IncomingMessage) -> int:
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
            "received_at": self.clock.now(),
            "response": _NO_ANSWER,
        }
        inbound_id = insert_unless_present(session, InboundMessage, values, ["platform", "msg_id"])
        if inbound_id is None:
            raise _AlreadyRecorded
        return inbound_id

    def _execute(self, session: Session, msg: IncomingMessage, plan: _Plan, inbound_id: int) -> Outcome:
        if plan.usage_error is not None:
            return Outcome([Reply(plan.usage_error.reason)])
        suspects = SuspectService(session, self.cfg, ManualClock(self.clock.now()), self.parser)
        if plan.command is None and plan.parsed is not None:
            answered = answer_question(suspects, self.cfg, self.parser, msg)
            if answered is not None:
                return answered
            followup = attach_followup(session, self.cfg, self.parser, msg, plan.parsed, self.clock.now())
            if followup is None:
                followup = attach_after_photos(session, self.cfg, self.parser, msg, self.clock.now())
            if followup is not None:
                return followup
            learned = None if self.parser.is_chatter(msg.text) else self.memory.learned(session)
            if learned is not None:
                plan = _Plan(parsed=self.parser.parse(msg.text, learned))
        if plan.command is None and (plan.parsed is None or not plan.parsed.is_report):
            return not_a_report(suspects, self.cfg, self.parser, msg, plan.parsed or NOT_A_REPORT, inbound_id)
        actor = Actor(msg.sender_id, self.cfg.display_name(msg.sender_id, msg.sender_name), msg.msg_id)
        # One instant per message: the ticket, its events and the reply all agree on "now".
        now = self.clock.now()
        ctx = ChatContext(
            service=TicketService(session, self.cfg, ManualClock(now)),
            cfg=self.cfg,
            actor=actor,
            group_id=msg.group_id,
            images=msg.images,
            now=now,
            parser=self.parser,
        )
        if plan.command is None:
            assert plan.parsed is not None
            return handle_report(ctx, plan.parsed, msg.text)  # a report is never refused
        # A refused command changes nothing: its work so far is undone with the savepoint.
        savepoint = session.begin_nested()
        try:
            outcome = plan.command.command.func(ctx, plan.command.args)
        except DomainError as refused:
            savepoint.rollback()
            return Outcome([Reply(refused.reason)])
        savepoint.commit()
        return outcome

    @staticmethod
    def _stored_response(session: Session, msg: IncomingMessage) -> Outcome | None:
        query = select(InboundMessage.response).where(
            InboundMessage.platform == msg.platform, InboundMessage.msg_id == msg.msg_id
        )
        response = session.execute(query).scalar_one_or_none()
        return Outcome.from_json(response) if response is not None else None
