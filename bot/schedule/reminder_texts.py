"""What a reminder says and whom it @s: one ticket's line, or the list of those quiet hours held.

The first overdue alarm of a deadline always has the plain text (🔴 超时未认领 / 超期未整改),
迎检 or not: it is the same event either way (the deadline passed), @s the same people, and
the period already shows in the shortened deadlines. "🔴 迎检再次催办" is only the repeat, and
the sweep sends a repeat only after an alarm for the same deadline was queued (it counts from
that alarm), so "再次" is always true: it is never inferred from the clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.tickets.dispatcher import unit_mentions
from bot.tickets.formatting import category_tag, hours_text, place_text, time_text
from config.schema import GuanjiaConfig
from models import ReminderKind, Ticket

K = ReminderKind


def message(cfg: GuanjiaConfig, kind: str, ticket: Ticket, deadline: datetime, now: datetime) -> tuple[str, list[str]]:
    """One reminder's single line and its mentions."""
    head = f"#{ticket.id}{category_tag(cfg, ticket)}{place_text(ticket)}"
    unit = cfg.unit_name(ticket.unit)
    members = unit_mentions(cfg, ticket.unit, ticket.area)
    supervisors = [s for s in cfg.supervisors if s not in members]
    late = hours_text(round((now - deadline).total_seconds() / 3600, 1))
    # Never "还剩" about a time already gone (the sweep sends a 'soon' reminder only before its
    # deadline; this keeps the words true should a deadline ever move behind it).
    left = f"还剩{hours_text(round((deadline - now).total_seconds() / 3600, 1))}" if deadline > now else f"已过{late}"
    if kind == K.CLAIM_SOON:
        return (
            f"⏰ 认领提醒 {head} → {unit}，认领期限{time_text(cfg, deadline)}（{left}），请回复：认领 {ticket.id}",
            members,
        )
    if kind == K.FIX_SOON:
        return (
            f"⏰ 整改提醒 {head} → {unit}，整改期限{time_text(cfg, deadline)}（{left}），"
            f"完成后请回复：完成 {ticket.id}",
            members,
        )
    if kind == K.CLAIM_OVERDUE:
        return (
            f"🔴 超时未认领 {head} → {unit}，认领期限{time_text(cfg, deadline)}已过，请创城办督办",
            members + supervisors,
        )
    if kind == K.FIX_OVERDUE:
        return (
            f"🔴 超期未整改 {head} → {unit}，整改期限{time_text(cfg, deadline)}已过，请创城办督办",
            supervisors + members,
        )
    if kind == K.CLAIM_OVERDUE_AGAIN:
        return (
            f"🔴 迎检再次催办 {head} → {unit}，认领期限{time_text(cfg, deadline)}已过{late}仍未认领，"
            f"请立即回复：认领 {ticket.id}",
            members + supervisors,
        )
    if kind == K.FIX_OVERDUE_AGAIN:
        return (
            f"🔴 迎检再次催办 {head} → {unit}，整改期限{time_text(cfg, deadline)}已过{late}仍未整改，"
            f"完成后请回复：完成 {ticket.id}",
            supervisors + members,
        )
    return (
        f"🚨 二次督办 {head} → {unit}，已超期{late}仍未整改，请领导关注",
        list(cfg.leaders) + supervisors,
    )


def held_list(cfg: GuanjiaConfig, lines: Sequence[tuple[str, list[str]]]) -> tuple[str, list[str]]:
    """Several tickets' reminders held until the end of quiet hours, as one message: a head,
    then each ticket's own line (as it would have been sent alone), @-ing everyone they @."""
    quiet = cfg.reminders.quiet_hours
    head = f"🔔 免打扰时段（{quiet.start}–{quiet.end}）暂缓的提醒{len(lines)}条："
    mentions = list(dict.fromkeys(person for _, people in lines for person in people))
    return "\n".join([head, *(text for text, _ in lines)]), mentions
