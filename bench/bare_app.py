"""The ceiling for the ingest benchmark: an endpoint that only parses JSON and answers."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request

app = FastAPI()


@app.post("/webhook/generic")
async def bare(request: Request) -> dict[str, Any]:
    await request.json()
    return {"replies": [], "tickets": []}
