"""Ticket actions from the web: the chat command's own handler, run as the signed-in user.

A form names an action and its fields; they become the command's argument text, the
registered handler runs with a ChatContext inside one transaction (as bot/chat/intake.py does),
and its replies are queued in the outbox for the ticket's group, so the group is told just
as if the command had been typed there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from bot.app_services import AppServices
from bot.chat.commands import CommandRegistry
from bot.chat.context import ChatContext, CommandArgs
from bot.chat.messages import Outcome
from bot.core.clock import FixedClock
from bot.core.echo_safety import echo
from bot.core.errors import DomainError, InvalidArgument, PermissionDenied, TicketNotFound
from bot.outbound.outbox import enqueue
from bot.tickets import lifecycle
from bot.tickets.lifecycle import Action
from bot.tickets.service import TicketService
from bot.web.accounts.users import WebUser
from config.schema import GuanjiaConfig
from handlers.registry import REGISTRY
from models import MAX_TICKET_ID, EventType, Ticket

A = Action


@dataclass(frozen=True)
class WebAction:
    """One form on the ticket page; which users see it on which ticket is the lifecycle table's call."""

    key: str
    verb: str  # the chat command it runs
    label: str
    actions: tuple[Action, ...]  # the lifecycle actions it may take (验收: pass or fail)
    fields: tuple[str, ...] = ()  # note | reason | reason_optional | unit | hours | verdict | category
    danger: bool = False
    needs_pending_extension: bool | None = None
    # The reason_optional box's hint: when the command needs a reason (验收 不通过) differs by action.
    reason_hint: str = "原因（选填）"


ACTIONS: tuple[WebAction, ...] = (
    WebAction("claim", "认领", "认领", (A.CLAIM,)),
    WebAction("fix", "完成", "报完成", (A.FIX,), ("note",)),
    WebAction("extend", "延期", "申请延期", (A.EXTEND,), ("hours", "reason"), False, False),
    WebAction("return", "退回", "退回创城办", (A.RETURN,), ("reason",), True),
    WebAction("reassign", "转派", "转派", (A.REASSIGN,), ("unit", "note")),
    WebAction("recategorize", "改类", "改类", (A.RECATEGORIZE,), ("category",)),
    WebAction("approve", "同意延期", "同意延期", (A.APPROVE_EXTENSION,), (), False, True),
    # 拒绝延期 N [原因]: the service takes no reason as well as one.
    WebAction(
        "reject",
        "拒绝延期",
        "拒绝延期",
        (A.REJECT_EXTENSION,),
        ("reason_optional",),
        danger=True,
        needs_pending_extension=True,
        reason_hint="拒绝原因（选填）",
    ),
    WebAction(
        "verify",
        "验收",
        "验收",
        (A.VERIFY_PASS, A.VERIFY_FAIL),
        ("verdict", "reason_optional"),
        reason_hint="原因（不通过时必填）",
    ),
    WebAction("cancel", "撤销", "撤销工单", (A.CANCEL,), ("reason",), True),
)
BY_KEY = {a.key: a for a in ACTIONS}


@dataclass(frozen=True)
class ActionResult:
    ok: bool
    message: str
    command: str = ""


def _field(form: Mapping[str, str], name: str) -> str:
    return " ".join(str(form.get(name, "")).split())[:500]


def available(
    cfg: GuanjiaConfig, user: WebUser, ticket: Ticket, now: datetime, registry: CommandRegistry = REGISTRY
) -> list[WebAction]:
    """The forms to show this user on this ticket: what the lifecycle table lets them do now.

    The same check the service runs (bot/tickets/lifecycle.py), separation of duties
    included, so a button is drawn exactly when pressing it would be allowed.
    """
    if not user.can_act or not user.can_see(ticket.unit):
        return []
    actor = user.actor()
    fixed = [e.actor_id for e in ticket.events if e.type == EventType.FIXED]
    fixed_by = fixed[-1] if fixed else None
    pending = ticket.pending_extension_hours is not None
    shown = []
    for action in ACTIONS:
        if registry.by_verb(action.verb) is None:
            continue
        if action.needs_pending_extension is not None and action.needs_pending_extension != pending:
            continue
        if any(lifecycle.allowed(cfg, ticket, actor, a, now=now, fixed_by=fixed_by) for a in action.actions):
            shown.append(action)
    return shown


def command_rest(cfg: GuanjiaConfig, action: WebAction, form: Mapping[str, str]) -> str:
    """The argument text after `verb N`, exactly as a person would type it in the group."""
    if action.key == "extend":
        amount, unit = _field(form, "hours"), _field(form, "hours_unit") or "小时"
        if not amount.replace(".", "", 1).isdigit() or unit not in ("小时", "天"):
            raise InvalidArgument("请填写延期时长，例如 2 天")
        return f"{amount}{unit} {_field(form, 'reason')}".strip()
    if action.key == "reassign":
        unit = _field(form, "unit")
        # Written with the unit's name, as people type it in the group (转派 12 城管执法队).
        return f"{cfg.unit_name(unit) if unit in cfg.units else unit} {_field(form, 'note')}".strip()
    if action.key == "recategorize":
        return _field(form, "category")
    if action.key == "verify":
        verdict = _field(form, "verdict")
        if verdict not in ("通过", "不通过"):
            raise InvalidArgument("请选择验收结果：通过或不通过")
        return f"{verdict} {_field(form, 'reason')}".strip()
    if action.key in ("return", "cancel", "reject"):
        return _field(form, "reason")
    if action.key == "fix":
        return _field(form, "note")
    return ""


def _refuse_unless_allowed(user: WebUser, ticket: Ticket) -> None:
    """Read-only accounts and other units' tickets; the lifecycle rules are the service's to apply."""
    if not user.can_act:
        raise PermissionDenied("只读账号不能操作工单")
    if not user.can_see(ticket.unit):
        raise TicketNotFound(ticket.id)


def run_action(services: AppServices, user: WebUser, ticket_id: int, key: str, form: Mapping[str, str]) -> ActionResult:
    action = BY_KEY.get(key)
    command = REGISTRY.by_verb(action.verb) if action else None
    if action is None or command is None:
        return ActionResult(False, "没有这个操作")
    now = services.clock.now()
    cfg = services.cfg
    try:
        rest = command_rest(cfg, action, form)
        typed = f"{action.verb} {ticket_id} {rest}".strip()
        with services.session_factory() as session, session.begin():
            ticket = session.get(Ticket, ticket_id) if 0 < ticket_id <= MAX_TICKET_ID else None
            if ticket is None:
                raise TicketNotFound(ticket_id)
            _refuse_unless_allowed(user, ticket)
            ctx = ChatContext(
                service=TicketService(session, cfg, FixedClock(now)),
                cfg=cfg,
                actor=user.actor(),
                group_id=ticket.group_id,
                images=(),
                now=now,
            )
            outcome: Outcome = command.func(ctx, CommandArgs(ticket_id, rest))
            for reply in outcome.replies:
                enqueue(
                    session,
                    group_id=ticket.group_id,
                    kind="reply",
                    # What the user typed is echoed inert: one line, no links, images or @s.
                    text=f"💻 {echo(user.display_name)}（台账网页）：{echo(typed)}\n{reply.text}",
                    mentions=reply.mentions,
                    now=now,
                )
    except DomainError as refused:
        return ActionResult(False, refused.reason)
    return ActionResult(True, "\n".join(r.text for r in outcome.replies) or "已完成", typed)
