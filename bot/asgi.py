"""ASGI entry point for process managers and `guanjia serve --workers N`: settings from the environment."""

from __future__ import annotations

from fastapi import FastAPI

from bot.app import create_app
from bot.app_services import build_services
from bot.core.heap import settle_for_serving
from config.settings import get_settings


def create() -> FastAPI:
    """Build one worker's app; migrations were applied by the parent before workers start."""
    app = create_app(build_services(get_settings()))
    settle_for_serving()  # after everything the worker keeps is built (bot/core/heap.py)
    return app
