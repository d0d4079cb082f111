"""Liveness and database reachability, for load balancers and `make run` users."""

from __future__ import annotations

import os
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from bot.app_services import AppServices

router = APIRouter()


@router.get("/healthz")
def healthz(request: Request) -> Any:
    services: AppServices = request.app.state.services
    try:
        with services.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        content = {"status": "error", "database": "unreachable", "worker": os.getpid()}
        return JSONResponse(status_code=503, content=content)
    # `worker`: which server process answered (`guanjia serve --workers N` runs several).
    return {"status": "ok", "database": "ok", "worker": os.getpid()}
