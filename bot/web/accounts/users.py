"""Web accounts: create, change password, disable, enable, remove, authenticate.

The caller owns the transaction. A password change, disabling and removing end the user's
sessions and share links in the same transaction (issue 14, findings 9, 18, 19).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.core.actor import Actor, ActorKind
from bot.core.errors import InvalidArgument
from bot.web.accounts import sessions, share_links
from bot.web.accounts.password_policy import check_password
from bot.web.accounts.security import hash_password, needs_rehash, verify_password
from config.schema import GuanjiaConfig
from models import ShareLink, User, UserRole

ROLE_ALIASES = {"supervisor": UserRole.SUPERVISOR, "ccb": UserRole.SUPERVISOR, "创城办": UserRole.SUPERVISOR}
ROLE_ALIASES |= {"unit": UserRole.UNIT, "member": UserRole.UNIT, "unit_member": UserRole.UNIT, "单位": UserRole.UNIT}
ROLE_ALIASES |= {"viewer": UserRole.VIEWER, "leader": UserRole.VIEWER, "只读": UserRole.VIEWER}


@dataclass(frozen=True)
class WebUser:
    """The signed-in user as the pages see it (no password hash)."""

    id: int
    username: str
    display_name: str
    role: str
    unit: str | None
    csrf: str = ""

    @property
    def is_supervisor(self) -> bool:
        return self.role == UserRole.SUPERVISOR

    @property
    def can_act(self) -> bool:
        return self.role in (UserRole.SUPERVISOR, UserRole.UNIT)

    @property
    def scope_unit(self) -> str | None:
        """The one unit whose tickets this user sees, or None for all."""
        return self.unit if self.role == UserRole.UNIT else None

    def can_see(self, ticket_unit: str) -> bool:
        return self.role != UserRole.UNIT or ticket_unit == self.unit

    def actor(self) -> Actor:
        # "web:" keeps web users apart from chat sender ids (never a ticket's reporter, never a member).
        return Actor(f"web:{self.username}", self.display_name, None, self.role, self.unit, ActorKind.WEB)

    @property
    def role_label(self) -> str:
        return UserRole.LABELS.get(self.role, self.role)


def web_user(user: User, csrf: str = "") -> WebUser:
    return WebUser(user.id, user.username, user.display_name, user.role, user.unit, csrf)


def create_user(
    session: Session,
    cfg: GuanjiaConfig,
    *,
    username: str,
    password: str,
    role: str,
    unit: str | None,
    now: datetime,
    display_name: str | None = None,
) -> User:
    username = username.strip()
    if not username or len(username) > 64 or any(c.isspace() for c in username):
        raise InvalidArgument("用户名不能为空、不能含空格，最长64个字符")
    canonical = ROLE_ALIASES.get(role.strip().lower())
    if canonical is None:
        raise InvalidArgument(f"角色只能是 {' / '.join(UserRole.ALL)}")
    unit_code = None
    if canonical == UserRole.UNIT:
        unit_code = cfg.find_unit(unit or "") if unit else None
        if unit_code is None:
            known = "、".join(f"{code}（{u.name}）" for code, u in cfg.units.items())
            raise InvalidArgument(f"单位成员需要 --unit，可选：{known}" if not unit else f"没有这个单位：{unit}")
    elif unit:
        raise InvalidArgument("只有单位成员（--role unit）绑定单位")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise InvalidArgument(f"用户 {username} 已存在")
    user = User(
        username=username,
        display_name=(display_name or username).strip()[:64],
        password_hash=hash_password(check_password(password, username)),
        role=canonical,
        unit=unit_code,
        active=True,
        created_at=now,
    )
    session.add(user)
    session.flush()
    return user


def _user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username.strip()))
    if user is None:
        raise InvalidArgument(f"没有用户 {username}")
    return user


def set_password(session: Session, username: str, password: str, now: datetime) -> User:
    """A new password ends every session of the user and revokes their share links."""
    user = _user(session, username)
    user.password_hash = hash_password(check_password(password, user.username))
    sessions.end_all(session, user.id)
    share_links.revoke_all_of(session, user.id, now)
    return user


def set_active(session: Session, username: str, active: bool, now: datetime) -> User:
    """Disable (sessions end, share links revoked) or enable an account."""
    user = _user(session, username)
    user.active = active
    if not active:
        sessions.end_all(session, user.id)
        share_links.revoke_all_of(session, user.id, now)
    return user


def remove_user(session: Session, username: str) -> None:
    """Delete the account with its sessions and share links; ticket events keep its name."""
    user = _user(session, username)
    sessions.end_all(session, user.id)
    session.execute(delete(ShareLink).where(ShareLink.created_by == user.id))
    session.delete(user)


def authenticate(session: Session, username: str, password: str, now: datetime) -> User | None:
    """The active user with this name and password, or None (same work either way)."""
    user = session.scalar(select(User).where(User.username == username.strip()))
    ok = verify_password(user.password_hash if user else None, password)
    if user is None or not ok or not user.active:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = now
    return user
