"""What a web password must be: at least 10 characters, not a well-known weak password.

The list (config/common_passwords.txt) holds the passwords an attacker tries first —
12345678, password, qwerty123, 1qaz2wsx, woaini1314, 5201314 and their usual variants — so
a guess from it, within the login throttle's few attempts, does not get in (finding 19).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from bot.core.errors import InvalidArgument

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256  # the login form's limit
COMMON_PASSWORDS = Path(__file__).resolve().parents[3] / "config" / "common_passwords.txt"


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def check_password(password: str, username: str = "") -> str:
    """The password, or InvalidArgument saying exactly what is wrong with it."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidArgument(f"密码至少{MIN_PASSWORD_LENGTH}个字符")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidArgument(f"密码最多{MAX_PASSWORD_LENGTH}个字符")
    lowered = password.lower()
    if lowered in common_passwords():
        raise InvalidArgument("这个密码太常见（在常用弱密码表里），请换一个不容易被猜到的密码")
    if len(set(password)) < 4:
        raise InvalidArgument("密码里不同的字符太少，请换一个")
    if len(username.strip()) >= 4 and username.strip().lower() in lowered:  # "li" may appear by chance
        raise InvalidArgument("密码不能包含用户名")
    return password
