"""疑似上报: the one place where suspected reports are kept, settled and counted.

A message that may be a report but was not registered (a near miss in a group, or an @message
the bot had to ask about) is kept here, once. The 创城办 settles it: `convert` opens tickets
through the TicketService (the converter is recorded on the ticket as a `converted` event)
and `dismiss` marks it not a problem; either way it leaves the list and becomes a labelled
example for training. The reporter's answer to the bot's question converts it too
(`complete`). A settled item is never settled again: the second attempt is refused with why.
Like the TicketService, the caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from bot.chat.evidence import fetched_photos
from bot.chat.messages import IncomingMessage
from bot.core.actor import Actor
from bot.core.clock import Clock
from bot.core.errors import DomainError, InvalidArgument, InvalidState
from bot.parsing.parser import MessageParser, ParsedMessage, Problem
from bot.tickets.permissions import require_supervisor
from bot.tickets.service import TicketService
from config.schema import GuanjiaConfig
from models import InboundMessage, LabelledExample, SuspectedReport, SuspectKind, SuspectStatus, Ticket

P = SuspectStatus
LABEL_SOURCE = "suspect"  # labelled_examples.source for rows that come from here
MAX_NUMBER = 2**31 - 1
_parsers: dict[int, MessageParser] = {}
_AWAITING = (
    select(SuspectedReport.id)
    .where(
        SuspectedReport.sender_id == bindparam("awaiting_sender"),
        SuspectedReport.group_id == bindparam("awaiting_group"),
    )
    .where(SuspectedReport.kind == SuspectKind.ASKED, SuspectedReport.status == P.PENDING)
    .where(SuspectedReport.received_at >= bindparam("awaiting_since"))
    .order_by(SuspectedReport.received_at.desc(), SuspectedReport.id.desc())
    .limit(1)
)  # Newest by time, so ix_suspected_reports_awaiting gives the order and ends at the window's
# start: ordered by id alone, a plan made for any parameters (PostgreSQL's generic plan of the
# prepared statement) walked the whole table's primary key backwards (alembic 0020).
# Asked as a column of the statement that records each message, so chatter costs one INSERT
# (bot/chat/intake.py).
AWAITING_QUESTION = _AWAITING.scalar_subquery()


def awaiting_params(cfg: GuanjiaConfig, msg: IncomingMessage, now: datetime) -> dict[str, object]:
    since = now - timedelta(minutes=cfg.parser.followup_minutes)
    return {"awaiting_sender": msg.sender_id, "awaiting_group": msg.group_id, "awaiting_since": since}


def parser_for(cfg: GuanjiaConfig) -> MessageParser:
    """One parser per config for the web and chat actions (the intake has its own)."""
    parser = _parsers.get(id(cfg))
    if parser is None:
        parser = _parsers[id(cfg)] = MessageParser(cfg)
    return parser


class SuspectNotFound(DomainError):
    def __init__(self, number: int) -> None:
        super().__init__(f"没有找到疑似上报 {number}")


@dataclass(frozen=True)
class Conversion:
    suspect: SuspectedReport
    registered: list[tuple[Ticket, tuple[str, ...]]]  # new tickets with the parser's suggestions


class SuspectService:
    def __init__(self, session: Session, cfg: GuanjiaConfig, clock: Clock, parser: MessageParser | None = None):
        self.session = session
        self.cfg = cfg
        self.clock = clock
        self.parser = parser or parser_for(cfg)

    # --- reading ---------------------------------------------------------------------

    def get(self, number: int, *, for_update: bool = False) -> SuspectedReport:
        found = (
            self.session.get(SuspectedReport, number, with_for_update=for_update) if 0 < number <= MAX_NUMBER else None
        )
        if found is None:
            raise SuspectNotFound(number)
        return found

    def pending(self, limit: int = 50, offset: int = 0) -> list[SuspectedReport]:
        """The list the 创城办 works through, newest first."""
        query = select(SuspectedReport).where(SuspectedReport.status == P.PENDING).order_by(SuspectedReport.id.desc())
        return list(self.session.scalars(query.limit(limit).offset(offset)))

    def count_pending(self, group_id: str | None = None, before: datetime | None = None) -> int:
        query = select(func.count()).select_from(SuspectedReport).where(SuspectedReport.status == P.PENDING)
        if group_id is not None:
            query = query.where(SuspectedReport.group_id == group_id)
        if before is not None:
            query = query.where(SuspectedReport.received_at < before)
        return self.session.scalar(query) or 0

    # --- changes ---------------------------------------------------------------------

    def keep(self, inbound_id: int, msg: IncomingMessage, kind: str) -> SuspectedReport:
        """Keep a message as 疑似上报 (the intake calls this once per message)."""
        suspect = SuspectedReport(
            inbound_id=inbound_id,
            kind=kind,
            msg_id=msg.msg_id,
            group_id=msg.group_id,
            sender_id=msg.sender_id,
            sender_name=self.cfg.display_name(msg.sender_id, msg.sender_name),
            text=msg.text,
            images=list(msg.images),
            received_at=self.clock.now(),
            status=P.PENDING,
        )
        self.session.add(suspect)
        self.session.flush()
        return suspect

    def convert(
        self, number: int, actor: Actor, category: str | None = None, via: str = "chat", place: str | None = None
    ) -> Conversion:
        """立案: the 创城办 turns the message into tickets (the category given, or as read); a
        `place` they give is the tickets' place, whatever the message names."""
        require_supervisor(self.cfg, actor, "立案")
        suspect = self._pending(number)
        if category is not None and category not in self.cfg.categories:
            raise InvalidArgument(f"没有这个类别：{category}")
        problems = self._problems(suspect.text, category)
        if place:
            problems = tuple(replace(p, location=place) for p in problems)
        return self._open(suspect, actor, suspect.text, problems, suspect.images, via)

    def complete(
        self, suspect: SuspectedReport, actor: Actor, answer: str, images: Sequence[str], place: str | None = None
    ) -> Conversion:
        """The reporter answered the bot's question: the two texts together are the report."""
        suspect = self._pending(suspect.id)
        suspect.answer = answer
        text = f"{suspect.text} {answer}".strip() if answer else suspect.text
        problems = self._problems(text, None, place)
        return self._open(suspect, actor, text, problems, [*suspect.images, *images], "answer")

    def withdraw(self, suspect: SuspectedReport, actor: Actor, answer: str) -> SuspectedReport:
        """The reporter said no (不用了): nothing to register, and no label either way."""
        suspect = self._pending(suspect.id)
        suspect.answer = answer
        self._settle(suspect, P.DISMISSED, actor, "answer")
        return suspect

    def dismiss(self, number: int, actor: Actor, via: str = "chat") -> SuspectedReport:
        """不是问题: off the list, kept as a labelled non-report."""
        require_supervisor(self.cfg, actor, "处理疑似上报")
        suspect = self._pending(number)
        self._settle(suspect, P.DISMISSED, actor, via)
        self._label(suspect, suspect.text, actor, None)
        return suspect

    # --- internals -------------------------------------------------------------------

    def _pending(self, number: int) -> SuspectedReport:
        suspect = self.get(number, for_update=True)
        if suspect.status == P.CONVERTED:
            who = suspect.decided_by_name or "他人"
            raise InvalidState(f"疑似上报 {number} 已由{who}立案为 #{suspect.ticket_id}，不能重复立案")
        if suspect.status == P.DISMISSED:
            who = suspect.decided_by_name or "他人"
            raise InvalidState(f"疑似上报 {number} 已由{who}标记为不是问题")
        return suspect

    def _problems(self, text: str, category: str | None, place: str | None = None) -> tuple[Problem, ...]:
        place = self.parser.locate(text) or place
        if category is not None:
            unit = self.cfg.categories[category].unit
            return (Problem(category, unit, place, False, 1.0, (category,)),)
        parsed: ParsedMessage = self.parser.parse(text)
        if parsed.is_report and parsed.problems:
            if place and not any(p.location for p in parsed.problems):
                return tuple(replace(p, location=place) for p in parsed.problems)
            return parsed.problems
        # The person (or the office) says it is a problem the parser cannot place: the 创城办 triages it.
        other = self.cfg.triage_category
        return (Problem(other, self.cfg.categories[other].unit, place, False, 0.0, ()),)

    def _open(
        self,
        suspect: SuspectedReport,
        actor: Actor,
        text: str,
        problems: Sequence[Problem],
        images: Sequence[str],
        via: str,
    ) -> Conversion:
        tickets = TicketService(self.session, self.cfg, self.clock)
        # The message's platform, so the ticket page quotes this message and no other with its id.
        platform = self.session.scalar(select(InboundMessage.platform).where(InboundMessage.id == suspect.inbound_id))
        reporter = Actor(suspect.sender_id, suspect.sender_name, suspect.msg_id, platform=platform)
        registered = []
        images = fetched_photos(self.session, images)  # the suspect's own were fetched since
        for problem in problems:
            ticket = tickets.report(reporter, group_id=suspect.group_id, text=text, problem=problem, images=images)
            tickets.converted(ticket.id, actor, suspect.id, via)
            registered.append((ticket, problem.suggestions))
        first = registered[0][0]
        suspect.ticket_id = first.id
        self._settle(suspect, P.CONVERTED, actor, via)
        self._label(suspect, text, actor, first)
        return Conversion(suspect, registered)

    def _settle(self, suspect: SuspectedReport, status: str, actor: Actor, via: str) -> None:
        suspect.status = status
        suspect.decided_by = actor.id
        suspect.decided_by_name = actor.name
        suspect.decided_at = self.clock.now()
        suspect.decided_via = via

    def _label(self, suspect: SuspectedReport, text: str, actor: Actor, ticket: Ticket | None) -> None:
        self.session.add(
            LabelledExample(
                text=text,
                is_report=ticket is not None,
                category=ticket.category if ticket else None,
                unit=ticket.unit if ticket else None,
                source=LABEL_SOURCE,
                source_id=suspect.id,
                actor_id=actor.id,
                created_at=self.clock.now(),
            )
        )
