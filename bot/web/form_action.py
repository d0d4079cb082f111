"""A button on a ledger page: run the action off the event loop, flash its result, go back.

The ticket page and the 疑似上报 page post their buttons the same way; the action itself
(bot/web/actions.py, bot/web/suspect_actions.py) goes through the chat commands.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from bot.app_services import AppServices
from bot.web.actions import ActionResult
from bot.web.deps import WebState, set_flash


async def act_and_return(
    request: Request,
    services: AppServices,
    state: WebState,
    act: Callable[[str, Mapping[str, str]], ActionResult],
    back: str,
    done: str,
) -> Response:
    """`act(action, fields)` runs in a worker thread; `done` prefixes a success ("已执行「认领 3」")."""
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    result = await run_in_threadpool(act, fields.get("action", ""), fields)
    response = RedirectResponse(back, status_code=303)
    if result.ok:
        set_flash(response, services, state, "ok", f"已执行「{result.command}」{done}：\n{result.message}")
    else:
        set_flash(response, services, state, "error", result.message)
    return response
