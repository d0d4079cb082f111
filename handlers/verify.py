"""验收: the reporter or the 创城办 checks the fix; a failed check sends it back to the unit."""

from __future__ import annotations

import re

from bot.chat.context import ChatContext, CommandArgs
from bot.chat.messages import Outcome, Reply
from bot.core.echo_safety import echo
from bot.core.errors import InvalidArgument
from bot.tickets.dispatcher import unit_mentions
from bot.tickets.formatting import category_tag
from bot.tickets.lifecycle import Action, who_may
from handlers.registry import command

_VERDICT = re.compile(r"^(?P<verdict>不通过|不合格|未通过|通过|合格)\s*(?P<reason>.*)$", re.S)


@command("验收", usage="验收 N 通过 / 验收 N 不通过 原因", permission=who_may(Action.VERIFY_PASS, Action.VERIFY_FAIL))
def verify(ctx: ChatContext, args: CommandArgs) -> Outcome:
    """验收整改结果：通过即销账，不通过退回单位返工"""
    assert args.ticket_id is not None
    found = _VERDICT.match(args.rest)
    if not found:
        n = args.ticket_id
        raise InvalidArgument(f"请写：验收 {n} 通过，或 验收 {n} 不通过 原因")
    passed = found.group("verdict") in ("通过", "合格")
    reason = found.group("reason").strip() or None
    ticket = ctx.service.verify(args.ticket_id, ctx.actor, passed, reason)
    tag = category_tag(ctx.cfg, ticket)
    if passed:
        return Outcome([Reply(f"#{ticket.id}{tag}验收通过，已销账 ✅")], [ticket.id])
    text = f"#{ticket.id}{tag}验收不通过（{echo(reason)}），请{ctx.cfg.unit_name(ticket.unit)}继续整改"
    return Outcome([Reply(text, tuple(unit_mentions(ctx.cfg, ticket.unit)))], [ticket.id])
