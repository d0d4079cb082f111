"""`guanjia learned list|forget`: placeholder, filled below."""

from typing import Any


def add_commands(sub: Any) -> None:
    return None
