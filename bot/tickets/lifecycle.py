"""The ticket lifecycle as one table: in which status an action may be taken, where it leads, who may take it.

Why one table: the service enforces it (`refusal` / `require`), `帮助` prints who may do what
from it, and the web ticket page draws its buttons from it, so the three cannot disagree.
On top of the table sits separation of duties (config `lifecycle`), so that nobody closes
their own unit's work and a reporter cannot quietly cancel a ticket that is about to be late.

Outside the table on purpose: steps that change no status and need no role beyond being
the sender (a reporter's 补充 of photos or place, the note that a 疑似上报 was 立案), and the
bot's own moves (dispatch, triage, duplicates), which follow from a report, not a request.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.core.actor import Actor, ActorKind
from bot.core.errors import DomainError, InvalidState, PermissionDenied
from bot.tickets.permissions import acts_for_unit, is_supervisor
from bot.tickets.status_labels import status_label
from config.schema import GuanjiaConfig
from models import Ticket, TicketStatus

S = TicketStatus


class Action(StrEnum):
    CLAIM = "claim"
    FIX = "fix"
    RETURN = "return"
    EXTEND = "extend"
    APPROVE_EXTENSION = "approve_extension"
    REJECT_EXTENSION = "reject_extension"
    REASSIGN = "reassign"
    RECATEGORIZE = "recategorize"
    AFTER_PHOTOS = "after_photos"
    VERIFY_PASS = "verify_pass"
    VERIFY_FAIL = "verify_fail"
    CANCEL = "cancel"
    # After closing (bot/tickets/aftercare.py): 回头看 finds it still fixed or back (反弹),
    # and the reporter says 满意 or 不满意 (二次督办). Both bad answers reopen it to the unit.
    RECHECK_PASS = "recheck_pass"
    RECHECK_REBOUND = "recheck_rebound"
    SATISFIED = "satisfied"
    DISSATISFIED = "dissatisfied"
    # 催办: the 创城办 presses the unit on an open ticket; an event, no change of state.
    URGE = "urge"


class Role(StrEnum):
    """Who someone is for one ticket: roles depend on the ticket (its reporter, its unit)."""

    REPORTER = "reporter"
    UNIT = "unit"  # acts for the ticket's unit
    SUPERVISOR = "supervisor"  # 创城办
    RECHECK_INSPECTOR = "recheck_inspector"  # config `recheck.inspectors`


ROLE_LABELS = {
    Role.REPORTER: "上报人",
    Role.UNIT: "本单位成员",
    Role.SUPERVISOR: "创城办",
    Role.RECHECK_INSPECTOR: "回头看督查员",
}

# The verb in "当前状态为…，不能<verb>" and "只有创城办可以<verb>".
ACTION_LABELS = {
    Action.CLAIM: "认领",
    Action.FIX: "报完成",
    Action.RETURN: "退回",
    Action.EXTEND: "申请延期",
    Action.APPROVE_EXTENSION: "审批延期",
    Action.REJECT_EXTENSION: "审批延期",
    Action.REASSIGN: "转派",
    Action.RECATEGORIZE: "改类",
    Action.AFTER_PHOTOS: "补充整改照片",
    Action.VERIFY_PASS: "验收",
    Action.VERIFY_FAIL: "验收",
    Action.CANCEL: "撤销",
    Action.RECHECK_PASS: "回头看",
    Action.RECHECK_REBOUND: "回头看",
    Action.SATISFIED: "评价满意度",
    Action.DISSATISFIED: "评价满意度",
    Action.URGE: "催办",
}
# How a refusal names a supervisor-only action (kept as users have always read it).
_SUPERVISOR_ONLY_TEXT = {Action.REASSIGN: "转派工单", Action.RECATEGORIZE: "更改工单类别"}


@dataclass(frozen=True)
class Rule:
    status: TicketStatus
    action: Action
    # Where the action leads. Only 改类 has more than one: the new category's unit decides
    # (first: another unit's category, which re-dispatches).
    to: tuple[TicketStatus, ...]
    who: frozenset[Role]


def _rules(action: Action, statuses: Iterable[TicketStatus], who: set[Role], to: TicketStatus | None) -> list[Rule]:
    """`to=None`: the action leaves the status as it is (extensions, photos)."""
    return [Rule(s, action, (to or s,), frozenset(who)) for s in statuses]


_UNIT_WORK = (S.DISPATCHED, S.CLAIMED)
_UNIT, _SUP, _REP = Role.UNIT, Role.SUPERVISOR, Role.REPORTER
TABLE: dict[tuple[TicketStatus, Action], Rule] = {
    (r.status, r.action): r
    for r in [
        *_rules(Action.CLAIM, (S.DISPATCHED,), {_UNIT, _SUP}, S.CLAIMED),
        *_rules(Action.FIX, _UNIT_WORK, {_UNIT, _SUP}, S.FIXED),
        # Only a unit asks for time or hands a ticket back; the 创城办 would do so to itself.
        *_rules(Action.RETURN, _UNIT_WORK, {_UNIT}, S.TRIAGE),
        *_rules(Action.EXTEND, _UNIT_WORK, {_UNIT}, None),
        *_rules(Action.APPROVE_EXTENSION, _UNIT_WORK, {_SUP}, None),
        *_rules(Action.REJECT_EXTENSION, _UNIT_WORK, {_SUP}, None),
        *_rules(Action.REASSIGN, (S.TRIAGE, *_UNIT_WORK), {_SUP}, S.DISPATCHED),
        Rule(S.TRIAGE, Action.RECATEGORIZE, (S.DISPATCHED, S.TRIAGE), frozenset({_SUP})),
        Rule(S.DISPATCHED, Action.RECATEGORIZE, (S.DISPATCHED, S.TRIAGE), frozenset({_SUP})),
        # Another unit starts afresh; the same unit keeps working on it (still 整改中).
        Rule(S.CLAIMED, Action.RECATEGORIZE, (S.DISPATCHED, S.CLAIMED, S.TRIAGE), frozenset({_SUP})),
        *_rules(Action.AFTER_PHOTOS, (S.CLAIMED, S.FIXED), {_UNIT, _SUP}, None),
        *_rules(Action.VERIFY_PASS, (S.FIXED,), {_REP, _SUP}, S.CLOSED),
        *_rules(Action.VERIFY_FAIL, (S.FIXED,), {_REP, _SUP}, S.CLAIMED),
        *_rules(Action.CANCEL, (S.TRIAGE, *_UNIT_WORK, S.FIXED), {_REP, _SUP}, S.CANCELLED),
        *_rules(Action.RECHECK_PASS, (S.CLOSED,), {Role.RECHECK_INSPECTOR, _SUP}, None),
        *_rules(Action.RECHECK_REBOUND, (S.CLOSED,), {Role.RECHECK_INSPECTOR, _SUP}, S.DISPATCHED),
        *_rules(Action.SATISFIED, (S.CLOSED,), {_REP}, None),
        *_rules(Action.DISSATISFIED, (S.CLOSED,), {_REP}, S.DISPATCHED),
        *_rules(Action.URGE, _UNIT_WORK, {_SUP}, None),
    ]
}


# The actions a ticket's card offers as buttons, in the order shown: a new ticket's 认领/退回
# for its unit, a fixed ticket's 验收通过/不通过 for the reporter and the 创城办.
CARD_ACTIONS = (Action.CLAIM, Action.RETURN, Action.VERIFY_PASS, Action.VERIFY_FAIL)
# Statuses whose card has buttons: the ticket waits for someone's click there. A claimed
# ticket could be returned too, but its card's work is done once it is claimed.
_CARD_STATUSES = (S.DISPATCHED, S.FIXED)


def card_actions(status: TicketStatus | str) -> tuple[Action, ...]:
    """The buttons a ticket in `status` carries, read from TABLE; () when it waits for no click."""
    if status not in _CARD_STATUSES:
        return ()
    return tuple(a for a in CARD_ACTIONS if (TicketStatus(status), a) in TABLE)


def who_may(*actions: Action) -> str:
    """`本单位成员或创城办`: the roles the table lets take any of `actions`, for 帮助."""
    roles = {role for rule in TABLE.values() if rule.action in actions for role in rule.who}
    return "或".join(ROLE_LABELS[r] for r in Role if r in roles)


def roles_of(cfg: GuanjiaConfig, ticket: Ticket, actor: Actor) -> frozenset[Role]:
    roles = set()
    if is_supervisor(cfg, actor):
        roles.add(Role.SUPERVISOR)
    if acts_for_unit(cfg, actor, ticket.unit):
        roles.add(Role.UNIT)
    if actor.kind == ActorKind.CHAT and actor.id in cfg.recheck.inspectors:
        roles.add(Role.RECHECK_INSPECTOR)
    # Tickets are reported from chat: a web account is never their reporter, whatever its id.
    if actor.kind == ActorKind.CHAT and actor.id == ticket.reporter_id:
        roles.add(Role.REPORTER)
    return frozenset(roles)


def near_deadline(ticket: Ticket, now: datetime, share: float) -> bool:
    """Late or about to be: unclaimed past the claim deadline, or in the last `share` of the fix window.

    The fix window runs from dispatch to the (possibly extended) fix deadline; a fixed
    ticket is judged at the moment it was reported fixed.
    """
    if ticket.status == S.DISPATCHED and ticket.claim_deadline is not None and now > ticket.claim_deadline:
        return True
    if ticket.fix_deadline is None or ticket.dispatched_at is None:
        return False
    at = ticket.fixed_at if ticket.status == S.FIXED and ticket.fixed_at is not None else now
    window = ticket.fix_deadline - ticket.dispatched_at
    return at >= ticket.fix_deadline - window * share


def _not_allowed(cfg: GuanjiaConfig, ticket: Ticket, action: Action, who: frozenset[Role]) -> PermissionDenied:
    if who == {Role.SUPERVISOR}:
        return PermissionDenied(f"只有创城办可以{_SUPERVISOR_ONLY_TEXT.get(action, ACTION_LABELS[action])}")
    if Role.UNIT in who:
        return PermissionDenied(f"#{ticket.id} 属于{cfg.unit_name(ticket.unit)}，您不是该单位成员")
    return PermissionDenied(
        f"只有{'或'.join(ROLE_LABELS[r] for r in Role if r in who)}可以{ACTION_LABELS[action]} #{ticket.id}"
    )


# What the user meant, when a reporter rates a fix not yet verified ("1号满意" on 待验收).
_INSTEAD = {
    (TicketStatus.FIXED, Action.SATISFIED): "；满意请先验收：验收 N 通过",
    (TicketStatus.FIXED, Action.DISSATISFIED): "；不满意请发：验收 N 不通过 原因",
}


def refusal(
    cfg: GuanjiaConfig,
    ticket: Ticket,
    actor: Actor,
    action: Action,
    *,
    now: datetime,
    fixed_by: str | None = None,
) -> DomainError | None:
    """Why `actor` may not take `action` on `ticket` now, or None when they may.

    `fixed_by` is who reported the fix (the latest 报完成 event); only 验收 needs it.
    The order of the checks decides which reason a user reads: whether anyone of their
    kind may ever do this, then the ticket's status, then separation of duties.
    """
    roles = roles_of(cfg, ticket, actor)
    ever = frozenset(role for rule in TABLE.values() if rule.action == action for role in rule.who)
    if not roles & ever:
        return _not_allowed(cfg, ticket, action, ever)
    rule = TABLE.get((TicketStatus(ticket.status), action))
    if rule is None:
        instead = _INSTEAD.get((TicketStatus(ticket.status), action), "").replace("N", str(ticket.id))
        return InvalidState(
            f"#{ticket.id} 当前状态为「{status_label(ticket.status)}」，不能{ACTION_LABELS[action]}{instead}"
        )
    if not roles & rule.who:
        return _not_allowed(cfg, ticket, action, rule.who)
    if cfg.lifecycle.separation_of_duties:
        return _duty_conflict(cfg, ticket, actor, action, roles, now, fixed_by)
    return None


def _duty_conflict(
    cfg: GuanjiaConfig,
    ticket: Ticket,
    actor: Actor,
    action: Action,
    roles: frozenset[Role],
    now: datetime,
    fixed_by: str | None,
) -> DomainError | None:
    if action in (Action.VERIFY_PASS, Action.VERIFY_FAIL):
        if actor.id == fixed_by:
            return PermissionDenied(f"#{ticket.id} 是您报的完成，不能自己验收，请上报人或创城办验收")
        if Role.UNIT in roles:
            unit = cfg.unit_name(ticket.unit)
            return PermissionDenied(f"#{ticket.id} 由{unit}报完成，本单位人员不能验收，请上报人或创城办验收")
    if (
        action == Action.CANCEL
        and Role.SUPERVISOR not in roles
        and near_deadline(ticket, now, cfg.lifecycle.near_deadline_share)
    ):
        return PermissionDenied(f"#{ticket.id} 已临近或超过整改时限，撤销需由创城办办理")
    return None


def require(
    cfg: GuanjiaConfig,
    ticket: Ticket,
    actor: Actor,
    action: Action,
    *,
    now: datetime,
    fixed_by: str | None = None,
) -> Rule:
    """The rule that lets `actor` take `action`; raises the Chinese reason when there is none."""
    refused = refusal(cfg, ticket, actor, action, now=now, fixed_by=fixed_by)
    if refused is not None:
        raise refused
    return TABLE[(TicketStatus(ticket.status), action)]


def allowed(
    cfg: GuanjiaConfig, ticket: Ticket, actor: Actor, action: Action, *, now: datetime, fixed_by: str | None = None
) -> bool:
    return refusal(cfg, ticket, actor, action, now=now, fixed_by=fixed_by) is None
