"""Photos from the platforms: queued with their message, fetched afterwards with retries, stored locally.

A photo that needs the platform's API (DingTalk downloadCode, WeCom media, Feishu image_key)
enters the ticket as a placeholder URL; the worker fetches it (bot/media/fetchers.py), makes it
a safe photo (bot/media/images.py: pixel cap, re-encoded, EXIF gone), writes only that copy under
the media folder, and points the ticket's image rows at `/media/<platform>/<file>`. A download
refused for what it is (a private address, over the size or pixel cap, not an image) is given
up at once and nothing is stored: trying again would get the same answer.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.adapters.identity import MediaRef
from bot.core.clock import Clock
from bot.media.fetchers import default_fetchers
from bot.media.images import sanitize
from bot.media.safe_http import MediaRefused
from config.settings import Settings
from models import MediaDownload, MediaStatus, TicketImage
from models.media_download import stored_url

log = logging.getLogger(__name__)
LEASE = timedelta(seconds=120)
PENDING, REFUSED = "media-pending://", "media-refused://"
MAX_ATTEMPTS = 8


class Fetcher(Protocol):
    def fetch(self, ref: dict[str, Any]) -> bytes:
        """The photo's bytes; raises on any failure (the worker retries)."""
        ...


def queue(session: Session, now: datetime, refs: Sequence[MediaRef]) -> None:
    """Queue the photos in the caller's transaction: the one that stores the message pointing at them."""
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
    session.flush()


@dataclass(frozen=True)
class _Claimed:
    id: int
    platform: str
    placeholder: str
    ref: dict[str, Any]
    attempts: int


class MediaWorker:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        clock: Clock,
        media_dir: str | Path,
        fetchers: dict[str, Fetcher],
        max_pixels: int = 40_000_000,
        max_side: int = 2048,
    ) -> None:
        self.session_factory = session_factory
        self.clock = clock
        self.media_dir = Path(media_dir)
        self.fetchers = fetchers
        self.max_pixels, self.max_side = max_pixels, max_side

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
            except MediaRefused as exc:
                self._failed(claimed, f"{type(exc).__name__}: {exc}", permanent=True)
                continue
            except Exception as exc:  # any other failure is retried later; the photo is not lost
                self._failed(claimed, f"{type(exc).__name__}: {exc}")
                continue
            self._done(claimed, path)
            stored += 1
        return stored

    def _claim(self) -> _Claimed | None:
        now = self.clock.now()
        with self.session_factory() as session, session.begin():
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
        photo = sanitize(data, self.max_pixels, self.max_side)  # the original is never written
        name = hashlib.sha256(claimed.placeholder.encode()).hexdigest()[:32] + "." + photo.suffix
        folder = self.media_dir / claimed.platform
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(photo.data)
        return f"{claimed.platform}/{name}"

    def _done(self, claimed: _Claimed, path: str) -> None:
        with self.session_factory() as session, session.begin():
            row = session.get(MediaDownload, claimed.id)
            if row is not None:
                row.status, row.path, row.last_error = MediaStatus.DONE, path, None
            session.execute(
                update(TicketImage).where(TicketImage.url == claimed.placeholder).values(url=stored_url(path))
            )

    def _failed(self, claimed: _Claimed, error: str, permanent: bool = False) -> None:
        now = self.clock.now()
        with self.session_factory() as session, session.begin():
            row = session.get(MediaDownload, claimed.id)
            if row is None:
                return
            row.last_error = error
            if permanent:
                row.status = MediaStatus.FAILED
                # The ticket page says so instead of "still being fetched" forever.
                refused = claimed.placeholder.replace(PENDING, REFUSED, 1)
                session.execute(update(TicketImage).where(TicketImage.url == claimed.placeholder).values(url=refused))
                log.error("ALERT photo %s refused: %s", claimed.placeholder, error)
                return
            if claimed.attempts >= MAX_ATTEMPTS:
                row.status = MediaStatus.FAILED
                log.error("ALERT photo %s given up after %s attempts: %s", claimed.placeholder, claimed.attempts, error)
                return
            row.next_attempt_at = now + timedelta(seconds=min(30 * 2 ** (claimed.attempts - 1), 3600))
            log.warning("photo %s attempt %s failed: %s", claimed.placeholder, claimed.attempts, error)


def worker(settings: Settings, session_factory: sessionmaker[Session], clock: Clock) -> MediaWorker:
    return MediaWorker(
        session_factory,
        clock,
        settings.media_dir,
        default_fetchers(settings),
        max_pixels=settings.max_photo_pixels,
        max_side=settings.photo_max_side,
    )
