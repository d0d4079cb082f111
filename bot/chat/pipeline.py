"""The message pipeline: the steps an incoming message is tried against, in order.

One DingTalk message, from the socket to the reply:

1. `POST /webhook/dingtalk` (bot/api/platform_webhooks.py) reads the body within its limit,
   checks the signature and turns the JSON into an `IncomingMessage` plus the photos to fetch
   (bot/adapters/dingtalk.py); `take_in` (bot/api/intake_calls.py) hands both to
   `Intake.handle` on a worker thread.
2. `read_message` (bot/chat/reading.py) reads the text once, before any transaction: the
   command it names (the registry from handlers/, injected by the composition root), the
   parser's clean text, and, if it is no command, the one parse with the learned words.
3. `Intake.handle` (bot/chat/intake.py) opens the message's one transaction and records the
   (platform, msg_id) key; a platform retry stops here and gets the stored answer.
4. `run` below tries each of `STEPS` in order: the first whose `check` accepts the message and
   whose `handle` answers decides the `Outcome` (tickets through bot/tickets/service.py).
5. In the same transaction the intake stores the answer and runs the caller's effects: the
   photos to fetch (bot/media/downloads.py) and, on Feishu, the replies queued in the outbox
   (bot/outbound/outbox.py). Then it commits: all of it, or nothing.
6. The route renders the `Outcome` as DingTalk's JSON answer (`dingtalk.render_outcome`); the
   media worker fetches the photos afterwards.

A step's `check(message)` is a pure look at the read message and returns what the step needs
(or None: not mine). `handle(turn, found)` does the work inside the transaction; it may still
decline with None when the database says the message is not its kind (there is no recent
report to follow up), and the next step is tried. The last step answers every message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy.orm import Session

from bot.chat.commands import Command, CommandMatch, UsageError
from bot.chat.context import ChatContext, CommandArgs
from bot.chat.followups import (
    attach_after_photos,
    attach_followup,
    followup_candidate,
    is_photo_alone,
    remark_candidate,
    remark_on_ticket,
)
from bot.chat.messages import Card, Outcome, Reply
from bot.chat.reading import ReadMessage
from bot.chat.report import handle_report
from bot.chat.suspects import SuspectService
from bot.chat.unreported import answer_question, asked_about, asked_list, asked_none, asked_place, not_a_report
from bot.core.actor import Actor
from bot.core.clock import FixedClock
from bot.core.errors import DomainError
from bot.parsing.parser import MessageParser, ParsedMessage
from bot.tickets.service import TicketService
from config.schema import GuanjiaConfig

T = TypeVar("T")


@dataclass(frozen=True)
class SenderState:
    """The sender's open conversation with the bot in this group, as of the message's arrival."""

    awaiting_question: int | None = None  # the 疑似上报 the bot asked them about, still open
    latest_report: int | None = None  # their latest ticket within the follow-up window
    evidence_waiting: bool = True  # a location or files they sent lately (True: unknown, look)


@dataclass(frozen=True)
class Turn:
    """What a step may use while the message's transaction is open."""

    session: Session
    cfg: GuanjiaConfig
    parser: MessageParser
    now: datetime  # one instant per message: the ticket, its events and the reply agree on it
    inbound_id: int
    message: ReadMessage
    # What the sender has going here, read in the statement that recorded the message.
    sender: SenderState = field(default_factory=lambda: SenderState())

    def actor(self) -> Actor:
        msg = self.message.incoming
        return Actor(
            msg.sender_id, self.cfg.display_name(msg.sender_id, msg.sender_name), msg.msg_id, platform=msg.platform
        )

    def chat_context(self) -> ChatContext:
        msg = self.message.incoming
        return ChatContext(
            service=TicketService(self.session, self.cfg, FixedClock(self.now)),
            cfg=self.cfg,
            actor=self.actor(),
            group_id=msg.group_id,
            images=msg.images,
            now=self.now,
            parser=self.parser,
        )

    def suspects(self) -> SuspectService:
        return SuspectService(self.session, self.cfg, FixedClock(self.now), self.parser)


class Step(Generic[T]):
    def __init__(self, cfg: GuanjiaConfig) -> None:
        self.cfg = cfg

    def check(self, message: ReadMessage) -> T | None:
        raise NotImplementedError

    def handle(self, turn: Turn, found: T) -> Outcome | None:
        raise NotImplementedError


class UsageStep(Step[UsageError]):
    """Clearly a command but unreadable ("认领" without a number): say how to write it."""

    def check(self, message: ReadMessage) -> UsageError | None:
        return message.command if isinstance(message.command, UsageError) else None

    def handle(self, turn: Turn, found: UsageError) -> Outcome:
        return Outcome([Reply(found.reason)])


class CommandStep(Step[CommandMatch]):
    """A chat command (handlers/): a refused one changes nothing, its savepoint is rolled back."""

    def check(self, message: ReadMessage) -> CommandMatch | None:
        return message.command if isinstance(message.command, CommandMatch) else None

    def handle(self, turn: Turn, found: CommandMatch) -> Outcome:
        if found.tickets:
            return self._several(turn, found)
        done = self._one(turn, found.command, found.args)
        return Outcome([Reply(done.reason)]) if isinstance(done, DomainError) else done

    @staticmethod
    def _one(turn: Turn, command: Command, args: CommandArgs) -> Outcome | DomainError:
        """The command run once, or why it was refused (and then it changed nothing)."""
        if not command.writes:  # nothing to undo
            try:
                return command.func(turn.chat_context(), args)
            except DomainError as refused:
                return refused
        savepoint = turn.session.begin_nested()
        try:
            outcome = command.func(turn.chat_context(), args)
        except DomainError as refused:
            savepoint.rollback()
            return refused
        savepoint.commit()
        return outcome

    def _several(self, turn: Turn, found: CommandMatch) -> Outcome:
        """One verb and several tickets ("27号 29号都已经处理好了", "认领 3 4"): the command on each
        ticket in turn, exactly as if each had its own line (the same handler, permission checks
        and savepoint), and one reply listing each ticket's outcome.

        A number that names no ticket refuses the whole line and changes nothing: it is a typo,
        and the sender may have meant another ticket that is then left undone without their
        knowing (the rule for bad input, as `不合格 1 4 9` refuses a number past the checklist).
        A refusal of an existing ticket (another unit's, already closed, claimed by someone
        else) is about that ticket only: the others are done, and its own refusal, the one the
        single command gives, is listed in its place; the sender can act on it alone.
        """
        service = turn.chat_context().service
        missing: list[int] = []
        for ticket_id in found.tickets:
            try:
                service.get(ticket_id)
            except DomainError:
                missing.append(ticket_id)
        if missing:
            numbers = "、".join(f"#{n}" for n in missing)
            return Outcome([Reply(f"没有找到工单 {numbers}，本条消息未处理任何工单，请核对工单号后重发")])
        texts: list[str] = []
        mentions: list[str] = []
        cards: list[Card] = []
        tickets: list[int] = []
        for ticket_id in found.tickets:
            done = self._one(turn, found.command, replace(found.args, ticket_id=ticket_id))
            if isinstance(done, DomainError):
                named = re.search(rf"#{ticket_id}(?!\d)", done.reason)
                texts.append(done.reason if named else f"#{ticket_id} {done.reason}")
                continue
            for reply in done.replies:
                texts.append(reply.text)
                mentions += [m for m in reply.mentions if m not in mentions]
                cards += reply.cards
            tickets += [t for t in done.tickets if t not in tickets]
        if not texts:  # "11 12号收到" from someone the 收到 is only chat for: quiet, as for one
            return Outcome([], tickets)
        return Outcome([Reply("\n".join(texts), tuple(mentions), tuple(cards))], tickets)


class PhrasedStep(Step[UsageError]):
    """No command and no report, but a command asked for in a sentence ("申请延期两天",
    "这个不归我们管"): how to write it, instead of 疑似上报 or silence."""

    def check(self, message: ReadMessage) -> UsageError | None:
        return message.hint

    def handle(self, turn: Turn, found: UsageError) -> Outcome:
        return Outcome([Reply(found.reason)])


class AnswerStep(Step[ReadMessage]):
    """The answer to the question the bot asked this sender lately (bot/chat/unreported.py)."""

    def check(self, message: ReadMessage) -> ReadMessage | None:
        return message if message.parsed is not None else None

    def handle(self, turn: Turn, found: ReadMessage) -> Outcome | None:
        if turn.sender.awaiting_question is None:
            return None
        return answer_question(turn.suspects(), self.cfg, turn.parser, found, turn.sender.awaiting_question)


class FollowupStep(Step[ParsedMessage]):
    """A photo or short line soon after one's own report adds to it (bot/chat/followups.py)."""

    def check(self, message: ReadMessage) -> ParsedMessage | None:
        return message.parsed if message.parsed is not None and followup_candidate(self.cfg, message) else None

    def handle(self, turn: Turn, found: ParsedMessage) -> Outcome | None:
        latest = turn.sender.latest_report
        return attach_followup(turn.session, self.cfg, turn.parser, turn.message, found, turn.now, latest)


class AfterPhotoStep(Step[ReadMessage]):
    """A photo alone from whoever claimed a ticket here lately: that ticket's after-photo."""

    def check(self, message: ReadMessage) -> ReadMessage | None:
        return message if message.parsed is not None and is_photo_alone(message) else None

    def handle(self, turn: Turn, found: ReadMessage) -> Outcome | None:
        return attach_after_photos(turn.session, self.cfg, found.incoming, turn.now)


class RemarkStep(Step[tuple[ParsedMessage, tuple[int, ...]]]):
    """A line about tickets by their numbers ("1号不行 还是挂着"): a note on each open one."""

    def check(self, message: ReadMessage) -> tuple[ParsedMessage, tuple[int, ...]] | None:
        if message.parsed is None:
            return None
        ticket_ids = remark_candidate(message)
        return (message.parsed, ticket_ids) if ticket_ids else None

    def handle(self, turn: Turn, found: tuple[ParsedMessage, tuple[int, ...]]) -> Outcome | None:
        parsed, ticket_ids = found
        return remark_on_ticket(turn.session, self.cfg, turn.message, parsed, ticket_ids, turn.now)


class AskedStep(Step[ReadMessage]):
    """A question about an earlier report without its number (bot/chat/reading.py, asks_about_earlier).

    Written to the bot ("@大管家 菜市场那个是不是处理了"), it is answered, never kept silent nor
    registered: the group's open or lately closed tickets at the place it names are looked up
    (bot/chat/unreported.py, asked_about); one is shown as 查询 shows it, several are listed to
    choose from, none is said so with how to ask. Only a complaint that also reads as a report
    ("@大管家 菜市场门口垃圾怎么还没人清理") and matches no ticket goes on to be registered.

    Not written to the bot, only a report that points back or asks whether it was done is taken
    here: "幸福小区那个井盖怎么还没弄好" while #6【污水与排水设施】幸福小区3号楼门口 is open is the reporter pressing
    on #6, so it is added to #6 as a note and #6's unit is @-ed, as a remark by number is. The
    duplicate check cannot do this: it matches a place key exactly (幸福小区 is not 幸福小区3号楼
    门口), and a duplicate is a cancelled ticket that @s nobody, so the pressing would be lost.
    The open ticket must be of a category the line names; another problem at the same place is a
    new report."""

    def check(self, message: ReadMessage) -> ReadMessage | None:
        if message.parsed is None or message.asks is None:
            return None
        if message.incoming.addressed:
            return message
        # Unaddressed, only a line pointing back ("那个", "我报的") or asking whether it was done:
        # "…垃圾堆了两天了，还没人管" from another member is a report, caught as a duplicate.
        return message if message.asks == "done" and message.parsed.is_report else None

    def handle(self, turn: Turn, found: ReadMessage) -> Outcome | None:
        parsed = found.parsed
        assert parsed is not None
        place = asked_place(turn.parser, found)
        group = found.incoming.group_id
        if not found.incoming.addressed:
            if place is None:
                return None
            named = {p.category for p in parsed.problems} - {self.cfg.triage_category}
            tickets = [t for t in asked_about(turn.session, group, place, turn.now, named) if t.is_open]
            if not named or not tickets:
                return None
            return remark_on_ticket(turn.session, self.cfg, found, parsed, (tickets[0].id,), turn.now, same_place=True)
        tickets = asked_about(turn.session, group, place, turn.now, reporter=found.incoming.sender_id)
        if len(tickets) == 1 and found.answering is not None:
            done = CommandStep._one(turn, found.answering, CommandArgs(tickets[0].id, ""))
            return Outcome([Reply(done.reason)]) if isinstance(done, DomainError) else done
        if tickets:
            return Outcome([Reply(asked_list(self.cfg, tickets))])
        if found.asks == "still" and parsed.is_report:
            return None  # "菜市场门口垃圾怎么还没人清理", never reported here: a report
        return Outcome([Reply(asked_none(place))])


class ReportStep(Step[ParsedMessage]):
    """A new report: one ticket per problem (bot/chat/report.py). A report is never refused."""

    def check(self, message: ReadMessage) -> ParsedMessage | None:
        return message.parsed if message.parsed is not None and message.parsed.is_report else None

    def handle(self, turn: Turn, found: ParsedMessage) -> Outcome:
        evidence = turn.sender.evidence_waiting or turn.message.incoming.evidence() is not None
        return handle_report(turn.chat_context(), found, turn.message.incoming.text, evidence)


class UnreportedStep(Step[ReadMessage]):
    """Anything else: kept as 疑似上报, asked about, or let be (bot/chat/unreported.py)."""

    def check(self, message: ReadMessage) -> ReadMessage | None:
        return message if message.parsed is not None else None

    def handle(self, turn: Turn, found: ReadMessage) -> Outcome:
        return not_a_report(turn.suspects(), self.cfg, found, turn.inbound_id)


# The order they are tried in. Commands and non-commands never overlap (a command is not parsed).
STEPS: tuple[type[Step[Any]], ...] = (
    UsageStep,
    CommandStep,
    PhrasedStep,
    AnswerStep,
    RemarkStep,  # before follow-ups: "1号不行" right after one's own report #3 is about #1
    AskedStep,  # before follow-ups: "那个怎么还没弄好" asks, it adds nothing to one's last report
    FollowupStep,
    AfterPhotoStep,
    ReportStep,
    UnreportedStep,
)


def build_steps(cfg: GuanjiaConfig) -> list[Step[Any]]:
    return [step(cfg) for step in STEPS]


def run(steps: list[Step[Any]], turn: Turn) -> Outcome:
    """The first step that accepts the message and answers it decides the outcome."""
    for step in steps:
        found = step.check(turn.message)
        if found is None:
            continue
        outcome = step.handle(turn, found)
        if outcome is not None:
            return outcome
    raise RuntimeError(f"no pipeline step answered message {turn.message.incoming.msg_id!r}")
