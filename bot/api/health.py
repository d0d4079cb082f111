"""Liveness and database reachability, for load balancers and `make run` users."""

from __future__ import annotations

import os
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from bot.app_services import Services

router = APIRouter()


@router.get("/healthz")
def healthz(services: Services) -> Any:
    try:
        with services.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        content = {"status": "error", "database": "unreachable", "worker": os.getpid()}
        return JSONResponse(status_code=503, content=content)
    # `worker`: which server process answered (`guanjia serve --workers N` runs several).
    return {"status": "ok", "database": "ok", "worker": os.getpid()}
