"""立案 / 不是问题 from the 疑似上报 page: the chat command's own handler, run as the signed-in user.

As for ticket actions (bot/web/actions.py), one transaction runs the handler; a conversion's
reply goes to the message's group through the outbox, so the unit is @-ed as if it had been
typed there. A dismissal tells no one: the message had no answer in the group either.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.app_services import AppServices
from bot.chat.context import ChatContext, CommandArgs
from bot.chat.suspects import SuspectService
from bot.core.clock import FixedClock
from bot.core.errors import DomainError, PermissionDenied
from bot.outbound.outbox import enqueue
from bot.tickets.service import TicketService
from bot.web.accounts.users import WebUser
from bot.web.actions import ActionResult
from handlers.registry import REGISTRY

VERBS = {"convert": "立案", "dismiss": "不立案"}


def run_suspect_action(
    services: AppServices, user: WebUser, number: int, key: str, form: Mapping[str, str]
) -> ActionResult:
    verb = VERBS.get(key)
    command = REGISTRY.by_verb(verb) if verb else None
    if verb is None or command is None:
        return ActionResult(False, "没有这个操作")
    cfg = services.cfg
    now = services.clock.now()
    category = str(form.get("category", "")).strip()
    rest = cfg.category_name(category) if key == "convert" and category in cfg.categories else ""
    place = " ".join(str(form.get("place", "")).split())[:200] if key == "convert" else ""
    if place:  # typed as in the chat: 立案 N [类别] 地点：…
        rest = f"{rest} 地点：{place}".strip()
    typed = f"{verb} {number} {rest}".strip()
    try:
        if not user.is_supervisor:
            raise PermissionDenied("只有创城办可以处理疑似上报")
        with services.session_factory() as session, session.begin():
            clock = FixedClock(now)
            suspect = SuspectService(session, cfg, clock, services.intake.parser).get(number)
            ctx = ChatContext(
                service=TicketService(session, cfg, clock),
                cfg=cfg,
                actor=user.actor(),
                group_id=suspect.group_id,
                images=(),
                now=now,
                parser=services.intake.parser,
            )
            outcome = command.func(ctx, CommandArgs(number, rest))
            if key == "convert":
                for reply in outcome.replies:
                    text = f"💻 {user.display_name}（台账网页）：{typed}\n{reply.text}"
                    enqueue(
                        session, group_id=suspect.group_id, kind="reply", text=text, mentions=reply.mentions, now=now
                    )
    except DomainError as refused:
        return ActionResult(False, refused.reason)
    return ActionResult(True, "\n".join(r.text for r in outcome.replies) or "已完成", typed)
