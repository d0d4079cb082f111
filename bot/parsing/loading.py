"""Which parser a process runs: the rules plus the model a deployment has installed.

A model file is read once per process and path (a few MB; many parsers share it), and read
again when the file changes, so a model installed by the nightly job reaches every worker.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from pathlib import Path

from bot.core.clock import Clock
from bot.parsing.model import BUNDLED, ModelError, ParserModel
from bot.parsing.parser import MessageParser
from config.schema import GuanjiaConfig

log = logging.getLogger(__name__)
_lock = threading.Lock()
_cache: dict[Path, tuple[float, ParserModel]] = {}


def model_path(installed: Path | None) -> Path:
    """The deployment's retrained model when one was installed, else the shipped one."""
    return installed if installed is not None and installed.exists() else BUNDLED


def load_model(path: Path, cfg: GuanjiaConfig) -> ParserModel:
    stamp = path.stat().st_mtime
    with _lock:
        cached = _cache.get(path)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        model = ParserModel.load(path, categories=list(cfg.categories))
        _cache[path] = (stamp, model)
        return model


def load_parser(cfg: GuanjiaConfig, installed: Path | None = None) -> MessageParser:
    """The parser as the service runs it; the rules alone when the config turns the model off.

    A broken installed model falls back to the shipped one with an error in the log: reading
    messages on the rules plus a known model beats refusing to start.
    """
    if not cfg.parser.use_model:
        return MessageParser(cfg)
    path = model_path(installed)
    try:
        return MessageParser(cfg, load_model(path, cfg))
    except (ModelError, OSError) as exc:
        if path == BUNDLED:
            raise
        log.error("parser model %s not used: %s; using the shipped model", path, exc)
        return MessageParser(cfg, load_model(BUNDLED, cfg))


class ParserSource:
    """The parser of a long-running process, which picks up a newly installed model.

    The nightly job installs a model in a child process; every server worker notices the
    file changed within `check_seconds` (on the injected clock) and reads it. Checking is a
    stat() call, so it is done at most that often, not per message.
    """

    def __init__(self, cfg: GuanjiaConfig, installed: Path | None, clock: Clock, check_seconds: float = 60) -> None:
        self._cfg, self._installed, self._clock = cfg, installed, clock
        self._every = timedelta(seconds=check_seconds)
        self._parser = load_parser(cfg, installed)
        self._seen = self._stamp()
        self._checked = clock.now()
        self._lock = threading.Lock()

    def _stamp(self) -> tuple[Path, float] | None:
        if not self._cfg.parser.use_model:
            return None
        path = model_path(self._installed)
        try:
            return path, path.stat().st_mtime
        except OSError:
            return None

    def current(self) -> MessageParser:
        now = self._clock.now()
        if now - self._checked < self._every:
            return self._parser
        with self._lock:
            if now - self._checked >= self._every:
                self._checked = now
                stamp = self._stamp()
                if stamp != self._seen:
                    self._parser = load_parser(self._cfg, self._installed)
                    self._seen = stamp
                    log.info("parser model reloaded from %s", stamp[0] if stamp else "-")
        return self._parser
