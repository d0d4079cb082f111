"""A new problem report: one ticket per problem, answered in one message."""

from __future__ import annotations

from dataclasses import replace

from bot.chat.cards import cards_for
from bot.chat.context import ChatContext
from bot.chat.evidence import take_waiting_evidence
from bot.chat.messages import Outcome, Reply
from bot.inspections.points import point_name
from bot.inspections.rounds import RoundService
from bot.parsing.parser import ParsedMessage
from bot.tickets.dispatcher import unit_mentions
from bot.tickets.formatting import category_tag, deadline_phrase, place_text
from bot.tickets.status_labels import status_label
from config.schema import GuanjiaConfig
from models import Ticket, TicketStatus


def _line(ctx: ChatContext, ticket: Ticket, suggestions: tuple[str, ...]) -> str:
    cfg = ctx.cfg
    tag = category_tag(cfg, ticket)
    # The ticket it repeats: known to the service that opened it, else read through the relation.
    earlier = (ctx.service.repeated.get(ticket.id) or ticket.original) if ticket.duplicate_of is not None else None
    if earlier is not None:
        # A duplicate is a ticket of its own (cancelled, duplicate_of): it takes a number, which
        # the reply says, so the group never wonders where #24 went; 查询 24 names the original.
        return (
            f"已有工单 #{earlier.id}{tag}地点：{place_text(earlier)}，"
            f"{cfg.unit_name(earlier.unit)}{status_label(earlier.status)}；"
            f"本条记为重复上报 #{ticket.id}，并入 #{earlier.id} 跟进，不另派单"
        )
    head = f"已登记 #{ticket.id}{tag}地点：{place_text(ticket)}"
    if ticket.status == TicketStatus.TRIAGE:
        hint = "、".join(cfg.category_name(c) for c in suggestions if c != cfg.triage_category)
        return f"{head} → 待创城办分拨" + (f"（可能是：{hint}）" if hint else "")
    return f"{head} → {cfg.unit_name(ticket.unit)}，{deadline_phrase(cfg, ticket)}"


PLACE_QUESTION = "请补充地点（{minutes}分钟内直接回复地点即可）"


def place_question(cfg: GuanjiaConfig) -> str:
    """The line asking for a missing place, with how long the answer is waited for
    (`parser.place_answer_minutes`, bot/chat/followups.py)."""
    minutes = max(cfg.parser.followup_minutes, cfg.parser.place_answer_minutes)
    return PLACE_QUESTION.format(minutes=f"{minutes:g}")


Registered = list[tuple[Ticket, tuple[str, ...]]]  # each new ticket with the parser's suggestions


def handle_report(ctx: ChatContext, parsed: ParsedMessage, text: str, evidence_waiting: bool = True) -> Outcome:
    # During the reporter's inspection round (督查) here, each problem is found at its point, and
    # one written without a place is at the point itself: the inspector is not asked where.
    # Only those who may inspect can have a round: everyone else's report skips the lookup.
    rounds = RoundService(ctx.service.session, ctx.cfg, ctx.service.clock)
    round_ = rounds.open_round(ctx.actor.id, ctx.group_id) if ctx.cfg.may_inspect(ctx.actor.id) else None
    problems = parsed.problems
    if round_ is not None:
        at_point = point_name(ctx.cfg, round_.point_id)
        problems = tuple(p if p.location else replace(p, location=at_point) for p in problems)
    registered = [
        (ctx.service.report(ctx.actor, group_id=ctx.group_id, text=text, problem=p, images=ctx.images), p.suggestions)
        for p in problems
    ]
    if round_ is not None:
        for ticket, _ in registered:
            rounds.attach(round_, ticket, ctx.actor)
    # A pin or file sent just before: the report takes it (its place too, so nothing is asked).
    added = take_waiting_evidence(ctx, [t for t, _ in registered], evidence_waiting)
    return report_outcome(ctx, registered, added=added)


def report_outcome(
    ctx: ChatContext, registered: Registered, head: str | None = None, ask_place: bool = True, added: str | None = None
) -> Outcome:
    """The one reply to new tickets: a line each, @ their units; asks the reporter for the place
    if one has none (not when the 创城办 opened them: the reporter is not the one answering).
    `added` names the evidence (a pin, files) the tickets took from earlier messages."""
    outcome = Outcome()
    lines: list[str] = []
    mentions: list[str] = []
    for ticket, suggestions in registered:
        outcome.tickets.append(ticket.id)
        if ticket.duplicate_of is not None:
            outcome.tickets.append(ticket.duplicate_of)
        lines.append(_line(ctx, ticket, suggestions))
        if ticket.duplicate_of is None:
            mentions += [m for m in unit_mentions(ctx.cfg, ticket.unit, ticket.area) if m not in mentions]
    if len(lines) > 1:
        lines.insert(0, f"本条消息含{len(lines)}个问题：")
    if head:
        lines.insert(0, head)
    if added:
        lines.append(f"已附上：{added}")
    # The reporter's answer within the follow-up window fills it (bot/chat/followups.py).
    if ask_place and any(t.location is None and t.duplicate_of is None for t, _ in registered):
        lines.append(place_question(ctx.cfg))
    cards = cards_for([t for t, _ in registered])  # 认领/退回 for the units, where the platform draws cards
    outcome.replies.append(Reply("\n".join(lines), tuple(mentions), cards))
    return outcome
