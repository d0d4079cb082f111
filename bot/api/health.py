"""Liveness and database reachability, for load balancers and `make run` users."""

from __future__ import annotations

import hmac
import os
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from bot.app_services import AppServices, Services

router = APIRouter()


def _holds_api_token(request: Request, services: AppServices) -> bool:
    token = services.settings.api_token
    if token is None:
        return False
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.encode(), token.get_secret_value().encode())


@router.get("/healthz")
def healthz(request: Request, services: Services) -> Any:
    # `worker` (which server process answered, with `--workers N`) only for an operator holding
    # the API token: a stranger learns nothing from a process id but can time restarts with it.
    extra = {"worker": os.getpid()} if _holds_api_token(request, services) else {}
    try:
        with services.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return JSONResponse(status_code=503, content={"status": "error", "database": "unreachable", **extra})
    return {"status": "ok", "database": "ok", **extra}
