"""Photos from the platforms: queued in the request, fetched afterwards with retries, stored locally.

A photo that needs the platform's API (DingTalk downloadCode, WeCom media, Feishu image_key)
enters the ticket as a placeholder URL; the worker fetches it, writes it under the media
folder, and points the ticket's image rows at `/media/<platform>/<file>`.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse
from sqlalchemy import select, update

from bot.adapters.identity import MediaRef
from bot.media_fetchers import default_fetchers
from models import MediaDownload, MediaStatus, TicketImage

if TYPE_CHECKING:
    from bot.app_services import AppServices

log = logging.getLogger(__name__)
router = APIRouter()
LEASE = timedelta(seconds=120)
MAX_ATTEMPTS = 8
_NAME = re.compile(r"^[A-Za-z0-9_-]+\.(jpg|png)$")


class Fetcher(Protocol):
    def fetch(self, ref: dict[str, Any]) -> bytes:
        """The photo's bytes; raises on any failure (the worker retries)."""
        ...


def queue(services: AppServices, refs: Sequence[MediaRef]) -> None:
    now = services.clock.now()
    with services.session_factory() as session, session.begin():
        known = set(
            session.scalars(
                select(MediaDownload.placeholder).where(MediaDownload.placeholder.in_([r.placeholder for r in refs]))
            )
        )
        for ref in refs:
            if ref.placeholder not in known:
                session.add(
                    MediaDownload(
                        platform=ref.platform,
                        placeholder=ref.placeholder,
                        ref=ref.ref,
                        status=MediaStatus.PENDING,
                        attempts=0,
                        next_attempt_at=now,
                        created_at=now,
                    )
                )


@dataclass(frozen=True)
class _Claimed:
    id: int
    platform: str
    placeholder: str
    ref: dict[str, Any]
    attempts: int


class MediaWorker:
    def __init__(self, services: AppServices, fetchers: dict[str, Fetcher]) -> None:
        self.services = services
        self.fetchers = fetchers

    def run_once(self, limit: int = 20) -> int:
        """Fetch what is due; returns how many photos were stored."""
        stored = 0
        for _ in range(limit):
            claimed = self._claim()
            if claimed is None:
                break
            fetcher = self.fetchers.get(claimed.platform)
            try:
                if fetcher is None:
                    raise RuntimeError(f"no fetcher for {claimed.platform}")
                data = fetcher.fetch(claimed.ref)
                path = self._store(claimed, data)
            except Exception as exc:  # any failure is retried later; the photo is not lost
                self._failed(claimed, f"{type(exc).__name__}: {exc}")
                continue
            self._done(claimed, path)
            stored += 1
        return stored

    def _claim(self) -> _Claimed | None:
        now = self.services.clock.now()
        with self.services.session_factory() as session, session.begin():
            query = (
                select(MediaDownload)
                .where(
                    MediaDownload.status == MediaStatus.PENDING,
                    MediaDownload.next_attempt_at <= now,
                    # A platform without credentials to fetch waits; its photos are not given up.
                    MediaDownload.platform.in_(list(self.fetchers)),
                )
                .order_by(MediaDownload.next_attempt_at, MediaDownload.id)
                .limit(1)
                .with_for_update(skip_locked=True)
            )
            row = session.scalars(query).first()
            if row is None:
                return None
            row.attempts += 1
            row.next_attempt_at = now + LEASE
            return _Claimed(row.id, row.platform, row.placeholder, dict(row.ref), row.attempts)

    def _store(self, claimed: _Claimed, data: bytes) -> str:
        if not data:
            raise ValueError("empty file")
        suffix = "png" if data.startswith(b"\x89PNG") else "jpg"
        name = hashlib.sha256(claimed.placeholder.encode()).hexdigest()[:32] + "." + suffix
        folder = Path(self.services.settings.media_dir) / claimed.platform
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
        return f"{claimed.platform}/{name}"

    def _done(self, claimed: _Claimed, path: str) -> None:
        with self.services.session_factory() as session, session.begin():
            row = session.get(MediaDownload, claimed.id)
            if row is not None:
                row.status, row.path, row.last_error = MediaStatus.DONE, path, None
            session.execute(
                update(TicketImage).where(TicketImage.url == claimed.placeholder).values(url=f"/media/{path}")
            )

    def _failed(self, claimed: _Claimed, error: str) -> None:
        now = self.services.clock.now()
        with self.services.session_factory() as session, session.begin():
            row = session.get(MediaDownload, claimed.id)
            if row is None:
                return
            row.last_error = error
            if claimed.attempts >= MAX_ATTEMPTS:
                row.status = MediaStatus.FAILED
                log.error("ALERT photo %s given up after %s attempts: %s", claimed.placeholder, claimed.attempts, error)
                return
            row.next_attempt_at = now + timedelta(seconds=min(30 * 2 ** (claimed.attempts - 1), 3600))
            log.warning("photo %s attempt %s failed: %s", claimed.placeholder, claimed.attempts, error)


def worker(services: AppServices) -> MediaWorker:
    return MediaWorker(services, default_fetchers(services.settings))


@router.get("/media/{platform}/{name}")
def media_file(request: Request, platform: str, name: str) -> FileResponse:
    services: AppServices = request.app.state.services
    if platform not in ("dingtalk", "wecom", "feishu") or not _NAME.match(name):
        raise HTTPException(404)
    path = Path(services.settings.media_dir) / platform / name
    if not path.is_file():
        raise HTTPException(404)
    return FileResponse(path)
