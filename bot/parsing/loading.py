"""Which parser a process runs: the rules plus the model a deployment has installed.

A model file is read once per process and path (a few MB; many parsers share it), and read
again when the file changes, so a model installed by the nightly job reaches every worker.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

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
