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
from bot.chat.evidence import EVIDENCE_WAITING, evidence_params, waiting_evidence
from bot.chat.followups import LATEST_REPORT, latest_report_params
from bot.chat.messages import IncomingMessage, Outcome
from bot.chat.reading import ReadMessage, quoted_ticket, read_message, ticket_in
from bot.chat.suspects import AWAITING_QUESTION, awaiting_params
from bot.core.clock import Clock
from bot.core.db import insert_unless_present_returning
from bot.core.hot_statements import HotStatement
from bot.parsing.loading import ParserSource
from bot.parsing.parser import Learned, MessageParser
from bot.tickets.routing_memory import RoutingMemory
from bot.tickets.search.index_upkeep import keep_up
from config.schema import GuanjiaConfig
from models import InboundMessage

log = logging.getLogger(__name__)
_NO_ANSWER = Outcome().to_json()
# The answer is stored in the message's row, in the transaction that produced it.
_ANSWERED = HotStatement(
    update(InboundMessage).where(InboundMessage.id == bindparam("inbound_id")).values(response=bindparam("answer"))
)

# What else one message causes, written by the caller in the message's own transaction
# (session, the stored message, its outcome, the message's instant). Not run for a retry:
# the first delivery wrote it, in the transaction that stored the answer.
Effect = Callable[[Session, IncomingMessage, Outcome, datetime], None]


class _AlreadyRecorded(Exception):
    """This (platform, msg_id) was taken in before: answer from the record."""


class _Abandoned(Exception):
    """The message at `index` failed: its batch's transaction is rolled back and run without it."""

    def __init__(self, index: int) -> None:
        super().__init__(index)
        self.index = index


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

    def read(self, msg: IncomingMessage) -> ReadMessage:
        """Everything about the message that needs no write: cleaning, parsing, the quoted #N."""
        return read_message(msg, self.cfg, self.parser, self.registry, self._learned, self._quoted_ticket)

    def reads_database(self, msg: IncomingMessage) -> bool:
        """Whether `read` may wait on the database: for a quoted message's #N (by its id, or a
        quoted report by its text), or to refresh the learned words. Otherwise it is CPU alone
        and may run on the event loop."""
        quoted = bool(msg.quoted_msg_id or msg.quoted_text)
        looked_up = quoted and (not msg.quoted_text or ticket_in(msg.quoted_text) is None)
        return looked_up or not self.memory.is_fresh()

    def handle(self, msg: IncomingMessage, effects: Sequence[Effect] = ()) -> Outcome:
        return self.handle_read(self.read(msg), effects)

    def handle_read(self, message: ReadMessage, effects: Sequence[Effect] = ()) -> Outcome:
        with self.session_factory() as session:
            try:
                with session.begin():
                    answers: list[dict[str, object]] = []
                    outcome = self._within(session, message, effects, answers)
                    _ANSWERED.run_many(session, answers)
                    if outcome.tickets:
                        keep_up(session)
                    return outcome
            except _AlreadyRecorded:
                pass
            with session.begin():
                return self._answer_from_record(session, message.incoming)

    def handle_batch(self, batch: Sequence[tuple[ReadMessage, Sequence[Effect]]]) -> list[Outcome | Exception]:
        """Group commit: several messages in one transaction, one commit (and one fsync) for all.

        Nobody is answered before the commit. A message that fails takes the transaction down
        with it, so the batch is run again without it (it gets its exception); failures are rare,
        and a savepoint around every message cost two statements each time. A retry of a message
        already stored writes nothing and is answered from the record after the commit. If the
        commit itself fails, nothing of the batch was stored: each message is then handled again
        on its own, so one bad message never costs the others their answer.
        """
        results: list[Outcome | Exception | None] = [None] * len(batch)
        pending = list(range(len(batch)))
        while pending:
            failed = self._run_together(batch, pending, results)
            if failed is None:
                break
            pending.remove(failed)
        return [result if result is not None else RuntimeError("message not handled") for result in results]

    def _run_together(
        self,
        batch: Sequence[tuple[ReadMessage, Sequence[Effect]]],
        pending: list[int],
        results: list[Outcome | Exception | None],
    ) -> int | None:
        """Run `pending` in one transaction and fill their `results`; the index of a message that
        failed (everything rolled back, its exception kept), or None when all was committed."""
        duplicates: list[int] = []
        with self.session_factory() as session:
            try:
                with session.begin():
                    answers: list[dict[str, object]] = []
                    for i in pending:
                        message, effects = batch[i]
                        try:
                            results[i] = self._within(session, message, effects, answers)
                        except _AlreadyRecorded:  # it wrote nothing: answered after the commit
                            duplicates.append(i)
                        except Exception as failed:  # it is this message's answer
                            results[i] = failed
                            raise _Abandoned(i) from failed
                    _ANSWERED.run_many(session, answers)  # one executemany for the batch
                    if any(isinstance(r, Outcome) and r.tickets for r in results):
                        keep_up(session)  # SQLite's search index takes new tickets in bulk
            except _Abandoned as abandoned:
                for i in pending:
                    if i != abandoned.index:
                        results[i] = None
                return abandoned.index
            except Exception:  # the commit failed: nothing was stored, try one by one
                log.exception("group commit of %d messages failed; handling them one by one", len(pending))
                for i in pending:
                    results[i] = self._alone(*batch[i])
                return None
            if duplicates:
                with session.begin():
                    for i in duplicates:
                        results[i] = self._answer_from_record(session, batch[i][0].incoming)
        return None

    def _alone(self, message: ReadMessage, effects: Sequence[Effect]) -> Outcome | Exception:
        try:
            return self.handle_read(message, effects)
        except Exception as failed:  # returned as this message's answer
            return failed

    def _within(
        self, session: Session, message: ReadMessage, effects: Sequence[Effect], answers: list[dict[str, object]]
    ) -> Outcome:
        """The message's work inside an open transaction; raises _AlreadyRecorded for a retry.

        The answer to store is added to `answers`, which the caller writes before the commit in
        one executemany: on PostgreSQL that is one round trip for a whole batch, not one each.
        Nothing reads a stored answer before its commit (retries are answered after it)."""
        msg = message.incoming
        now = self.clock.now()
        inbound_id, sender = self._record(session, msg, now, waiting_evidence(message))
        turn = pipeline.Turn(session, self.cfg, message.parser, now, inbound_id, message, sender)
        outcome = pipeline.run(self.steps, turn)
        if outcome.replies or outcome.tickets:  # chatter keeps the empty answer it was stored with
            answers.append({"inbound_id": inbound_id, "answer": outcome.to_json()})
        for effect in effects:
            effect(session, msg, outcome, now)
        return outcome

    def _answer_from_record(self, session: Session, msg: IncomingMessage) -> Outcome:
        stored = self._stored_response(session, msg)
        if stored is None:
            raise RuntimeError(f"message {msg.msg_id!r} collided but no stored answer was found")
        log.info("duplicate delivery of %s/%s answered from the record", msg.platform, msg.msg_id)
        return stored

    def _quoted_ticket(self, msg: IncomingMessage) -> int | None:
        """The one #N a quoted message names (bot/chat/reading.py), read before the write transaction."""
        return quoted_ticket(self.session_factory, msg)

    def _learned(self) -> Learned | None:
        """The words corrections taught, read before the write transaction (cached by RoutingMemory)."""
        with self.session_factory() as session:
            return self.memory.learned(session)

    def _record(
        self, session: Session, msg: IncomingMessage, now: datetime, evidence: dict[str, object] | None
    ) -> tuple[int, pipeline.SenderState]:
        """Take the (platform, msg_id) key first; a concurrent duplicate waits here for our commit.

        One plain INSERT (no ORM unit of work), which also returns what the sender has going
        here: a question the bot asked them (bot/chat/unreported.py), their recent report
        (bot/chat/followups.py), evidence they sent for the next one (bot/chat/evidence.py).
        Chatter costs this one statement; so do the lookups that find nothing, as most do.
        """
        values = {
            "platform": msg.platform,
            "msg_id": msg.msg_id,
            "group_id": msg.group_id,
            "sender_id": msg.sender_id,
            "sender_name": msg.sender_name,
            "text": msg.text,
            "images": list(msg.images),
            "evidence": evidence,  # a location, files or photos, for the sender's next report (chat/evidence.py)
            "sent_at": msg.sent_at,
            "received_at": now,
            "response": _NO_ANSWER,
        }
        row = insert_unless_present_returning(
            session,
            InboundMessage,
            values,
            ["platform", "msg_id"],
            (AWAITING_QUESTION, LATEST_REPORT, EVIDENCE_WAITING),
            {
                **awaiting_params(self.cfg, msg, now),
                **latest_report_params(self.cfg, msg, now),
                **evidence_params(self.cfg, msg, now),
            },
        )
        if row is None:
            raise _AlreadyRecorded
        return row[0], pipeline.SenderState(row[1], row[2], bool(row[3]))

    @staticmethod
    def _stored_response(session: Session, msg: IncomingMessage) -> Outcome | None:
        query = select(InboundMessage.response).where(
            InboundMessage.platform == msg.platform, InboundMessage.msg_id == msg.msg_id
        )
        response = session.execute(query).scalar_one_or_none()
        return Outcome.from_json(response) if response is not None else None
