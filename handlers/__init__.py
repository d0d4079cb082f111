"""Chat command handlers, one module per family, loaded explicitly into the registry."""

from __future__ import annotations

import importlib

from bot.chat.commands import CommandRegistry
from handlers.registry import REGISTRY

COMMAND_MODULES = (
    "handlers.claim",
    "handlers.fix",
    "handlers.returning",
    "handlers.reassign",
    "handlers.urge",
    "handlers.recategorize",
    "handlers.extension",
    "handlers.verify",
    "handlers.cancel",
    "handlers.query",
    "handlers.digest",
    "handlers.suspects",
    "handlers.inspection",
    "handlers.campaign",
    "handlers.help",
)


def load_handlers() -> CommandRegistry:
    for name in COMMAND_MODULES:
        importlib.import_module(name)
    return REGISTRY
