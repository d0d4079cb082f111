"""The registry every chat command registers itself in (`@command(...)`); `帮助` reads it."""

from __future__ import annotations

from bot.chat.commands import CommandRegistry

REGISTRY = CommandRegistry()
command = REGISTRY.command
