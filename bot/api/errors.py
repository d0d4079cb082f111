"""One place that turns request errors into readable JSON."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError
from starlette.exceptions import HTTPException

log = logging.getLogger(__name__)


def describe_validation(errors: Any) -> str:
    parts = []
    for err in errors:
        loc = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path"))
        parts.append(f"{loc or 'body'}: {err.get('msg', 'invalid')}")
    return "; ".join(parts)


def error_response(status: int, error: str, message: str) -> JSONResponse:
    return JSONResponse(status_code=status, content={"error": error, "message": message})


# Every refused webhook gets these same bytes, whatever was wrong (signature, timestamp, padding,
# token): a different answer per failure is an oracle (issue 14: Feishu's "bad padding" let a
# captured event be decrypted without the key). The reason goes to the log only.
UNAUTHENTICATED = {"error": "unauthenticated", "message": "请求未通过校验 / request not authenticated"}


def unauthenticated(platform: str, reason: str) -> JSONResponse:
    log.warning("%s webhook refused: %s", platform, reason)
    return JSONResponse(status_code=401, content=UNAUTHENTICATED)


async def request_validation_handler(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError | ValidationError)
    return error_response(422, "invalid_request", describe_validation(exc.errors()))


async def http_error_handler(request: Request, exc: Exception) -> Response:
    """FastAPI's own answer ({"detail": ...}, redirects kept), typed as every handler here is."""
    assert isinstance(exc, HTTPException)
    return await http_exception_handler(request, exc)


async def database_unavailable_handler(_request: Request, exc: Exception) -> JSONResponse:
    """The database is down or dropped the connection: 503 so the platform retries later.

    The transaction that was handling the request rolled back with the connection, so
    nothing half-written remains; the retry is answered as the first delivery.
    """
    log.error("database unavailable: %s", type(exc).__name__)
    response = error_response(503, "database_unavailable", "数据库暂时不可用，请稍后重试")
    response.headers["Retry-After"] = "5"
    return response
