"""`guanjia user add NAME --role ROLE [--unit CODE]`, `user passwd NAME`, `user list`,
`user disable|enable|remove NAME`: web accounts.

Disabling ends the user's sessions and revokes their share links at once; enabling also
clears the user's login throttle (a user who locked themselves out asks the 创城办).

The password is read as one line from stdin (so scripts can pipe it), or asked for twice
without echo when stdin is a terminal.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import TYPE_CHECKING

from sqlalchemy import select

from bot.cli import startup
from bot.core.errors import DomainError
from config.settings import get_settings
from models import User, UserRole

if TYPE_CHECKING:
    from bot.app_services import AppServices


def _read_password() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("密码：")
        if getpass.getpass("再输入一次：") != first:
            raise SystemExit("两次输入的密码不一致")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def _services() -> AppServices:
    from bot.app_services import build_services

    settings = get_settings()
    cfg = startup.load_or_exit(settings)
    startup.migrate(settings)
    return build_services(settings, cfg)


def cmd_add(args: argparse.Namespace) -> int:
    from bot.web.accounts.users import create_user

    services = _services()
    password = _read_password()
    try:
        with services.session_factory() as session, session.begin():
            user = create_user(
                session,
                services.cfg,
                username=args.name,
                password=password,
                role=args.role,
                unit=args.unit,
                now=services.clock.now(),
                display_name=args.display_name,
            )
            unit = f"（{services.cfg.unit_name(user.unit)}）" if user.unit else ""
            print(f"已创建用户 {user.username}：{UserRole.LABELS[user.role]}{unit}")
    except DomainError as refused:
        print(f"未创建：{refused.reason}", file=sys.stderr)
        return 2
    return 0


def cmd_passwd(args: argparse.Namespace) -> int:
    from bot.web.accounts.users import set_password

    services = _services()
    password = _read_password()
    try:
        with services.session_factory() as session, session.begin():
            set_password(session, args.name, password, services.clock.now())
    except DomainError as refused:
        print(f"未修改：{refused.reason}", file=sys.stderr)
        return 2
    print(f"已修改 {args.name} 的密码（其已登录的会话和生成的分享链接随之失效）")
    return 0


def cmd_disable(args: argparse.Namespace) -> int:
    return _change(args.name, "disable")


def cmd_enable(args: argparse.Namespace) -> int:
    return _change(args.name, "enable")


def cmd_remove(args: argparse.Namespace) -> int:
    return _change(args.name, "remove")


def _change(name: str, action: str) -> int:
    from bot.web.accounts.throttle import unlock
    from bot.web.accounts.users import remove_user, set_active

    services = _services()
    now = services.clock.now()
    try:
        with services.session_factory() as session, session.begin():
            if action == "remove":
                remove_user(session, name)
            else:
                set_active(session, name, action == "enable", now)
                if action == "enable":
                    unlock(session, name)
    except DomainError as refused:
        print(f"未修改：{refused.reason}", file=sys.stderr)
        return 2
    done = {
        "disable": f"已停用 {name}：其已登录的会话和生成的分享链接已失效",
        "enable": f"已启用 {name}（登录限制已清除）",
        "remove": f"已删除 {name}：其会话和分享链接一并删除，工单记录里的名字保留",
    }
    print(done[action])
    return 0


def cmd_list(_args: argparse.Namespace) -> int:
    services = _services()
    with services.session_factory() as session:
        users = list(session.scalars(select(User).order_by(User.username)))
    for u in users:
        unit = services.cfg.unit_name(u.unit) if u.unit else ""
        state = "" if u.active else "（停用）"
        print(f"{u.username}\t{u.display_name}\t{UserRole.LABELS.get(u.role, u.role)}\t{unit}{state}")
    if not users:
        print("还没有用户：guanjia user add 用户名 --role supervisor")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    user = sub.add_parser("user", help="web ledger accounts")
    actions = user.add_subparsers(dest="user_command", required=True)
    add = actions.add_parser("add", help="create a user; the password is one line on stdin")
    add.add_argument("name", help="login name")
    add.add_argument("--role", required=True, help="supervisor (创城办) | unit (单位成员, with --unit) | viewer")
    add.add_argument("--unit", help="unit code or name, for --role unit")
    add.add_argument("--display-name", help="name shown on events and in the group (default: the login name)")
    add.set_defaults(func=cmd_add)
    passwd = actions.add_parser("passwd", help="set a user's password (one line on stdin)")
    passwd.add_argument("name")
    passwd.set_defaults(func=cmd_passwd)
    listing = actions.add_parser("list", help="list users")
    listing.set_defaults(func=cmd_list)
    for name, func, text in (
        ("disable", cmd_disable, "stop a user signing in; ends their sessions and share links"),
        ("enable", cmd_enable, "let a disabled user sign in again; clears their login throttle"),
        ("remove", cmd_remove, "delete a user (ticket history keeps the name)"),
    ):
        command = actions.add_parser(name, help=text)
        command.add_argument("name")
        command.set_defaults(func=func)
