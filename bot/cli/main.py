"""`guanjia` command line: serve, chat (simulator), migrate, check-config, parse, eval, learned."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from pydantic import ValidationError
from sqlalchemy.engine import make_url

from bot.cli import backup as cli_backup
from bot.cli import ops as cli_ops
from bot.cli import serve_guard, startup
from bot.cli import users as cli_users
from bot.cli.demo import add_demo_command
from bot.cli.eval_command import add_commands as add_eval_commands
from bot.cli.learned_command import add_commands as add_learned_commands
from bot.cli.points_command import add_commands as add_points_commands
from bot.cli.reports import add_report_commands
from bot.cli.train_command import add_commands as add_train_commands
from bot.core.clock import Clock, ManualClock, SystemClock
from bot.core.serving import UVICORN_PROXY_OPTIONS, serving_settings
from config.schema import GuanjiaConfig
from config.settings import get_settings


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from bot.app import create_app
    from bot.app_services import build_services
    from bot.core.heap import settle_for_serving
    from bot.core.log_setup import configure_logging

    settings = get_settings()
    refusal = serve_guard.refusal(args.host, settings)
    if refusal is not None and not args.insecure_dev:
        print(refusal, file=sys.stderr)
        return 2
    if not args.insecure_dev:
        # Reached from other machines, through an HTTPS proxy: cookies only over HTTPS.
        settings = serving_settings(settings, args.host)
    cfg = startup.load_or_exit(settings)
    log_config = configure_logging(settings, cfg)  # GUANJIA_LOG_FORMAT=json; secrets masked
    if refusal is not None:
        warning = serve_guard.insecure_warning(args.host, settings)
        print(warning, file=sys.stderr)
        logging.getLogger("guanjia.serve").warning(warning)
    if args.workers > 1 and make_url(settings.database_url).get_backend_name() == "sqlite":
        print(
            "SQLite 是单进程嵌入式数据库，不能开多个 worker。多进程请用 PostgreSQL："
            "GUANJIA_DATABASE_URL=postgresql+psycopg://用户@主机/库 guanjia serve --workers N",
            file=sys.stderr,
        )
        return 2
    if args.workers > 1:
        from bot.serve_workers import port_problem, serve_workers

        problem = port_problem(args.host, args.port)  # before migrating: a busy port is a mistake
        if problem is not None:
            print(problem, file=sys.stderr)
            return 1
        startup.migrate(settings)

        # Each worker builds its own app; one of them holds the scheduler lease at a time.
        return serve_workers(args.host, args.port, args.workers, log_config)
    startup.migrate(settings)
    app = create_app(build_services(settings, cfg, clock=args.clock))
    settle_for_serving()  # after everything the process keeps is built (bot/core/heap.py)
    uvicorn.run(app, host=args.host, port=args.port, log_level="info", log_config=log_config, **UVICORN_PROXY_OPTIONS)
    return 0


def _default_reporter(cfg: GuanjiaConfig) -> str:
    """Start the simulator as a field reporter: someone who is neither 创城办 nor in a unit."""
    for person in cfg.people:
        if not cfg.is_supervisor(person) and not cfg.units_of(person) and person not in cfg.leaders:
            return person
    return next(iter(cfg.people), "user")


def cmd_chat(args: argparse.Namespace) -> int:
    from bot.app_services import build_services
    from bot.cli.simulator import HELP, ChatSimulator

    settings = get_settings()
    cfg = startup.load_or_exit(settings)
    if args.platform:  # talk to a running server as DingTalk / WeCom / Feishu would
        from bot.cli.platform_simulator import run_platform_chat

        return run_platform_chat(args.platform, args.url, settings, cfg, args.group, args.sender, args.clock)
    startup.migrate(settings)
    clock = ManualClock(args.clock.now())  # the simulator's /wait moves it; it starts at the wall clock
    group = args.group or next(iter(cfg.groups), "demo")
    by_name = {name: pid for pid, name in cfg.people.items()}
    sender = by_name.get(args.sender, args.sender) if args.sender else _default_reporter(cfg)
    sim = ChatSimulator(build_services(settings, cfg, clock=clock), clock, group, sender)
    interactive = sys.stdin.isatty()
    print("创城大管家 聊天模拟器 —— 直接输入群消息；/help 查看模拟器命令，/quit 退出")
    if interactive:
        print(HELP)
    while True:
        try:
            line = input(sim.prompt() if interactive else "")
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if line.strip() in ("/quit", "/exit"):
            return 0
        if not interactive and line.strip():
            print(sim.prompt() + line)
        for out in sim.handle_line(line):
            print(out)


def cmd_migrate(_args: argparse.Namespace) -> int:
    settings = get_settings()
    startup.migrate(settings)
    print("数据库已升级到最新版本")
    return 0


def cmd_check_config(args: argparse.Namespace) -> int:
    settings = get_settings()
    if args.path:
        settings = settings.model_copy(update={"config": args.path})
    cfg = startup.load_or_exit(settings)
    print(f"配置正确：{len(cfg.units)}个单位，{len(cfg.categories)}个类别，{len(cfg.groups)}个群")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="guanjia", description="创城大管家：群消息 → 工单 → 派单 → 督办")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the HTTP service (applies migrations first)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1, help="worker processes (PostgreSQL only)")
    serve.add_argument(
        "--insecure-dev",
        action="store_true",
        help="start on a non-loopback address without the secrets production needs (never in production)",
    )
    serve.set_defaults(func=cmd_serve)
    chat = sub.add_parser("chat", help="terminal chat simulator")
    chat.add_argument("--group", help="group id (default: the first configured group)")
    chat.add_argument("--as", dest="sender", help="sender id or name (default: the first configured person)")
    chat.add_argument("--platform", choices=["dingtalk", "wecom", "feishu"], help="sign/encrypt as this platform")
    chat.add_argument("--url", default="http://127.0.0.1:8000", help="the running server (with --platform)")
    chat.set_defaults(func=cmd_chat)
    migrate = sub.add_parser("migrate", help="apply pending database migrations")
    migrate.set_defaults(func=cmd_migrate)
    check = sub.add_parser("check-config", help="validate the config file and exit")
    check.add_argument("path", nargs="?", help="config file (default: GUANJIA_CONFIG or config/guanjia.yaml)")
    check.set_defaults(func=cmd_check_config)
    add_report_commands(sub)
    cli_ops.register(sub)
    cli_backup.register(sub)
    cli_users.register(sub)
    add_eval_commands(sub)
    add_learned_commands(sub)
    add_points_commands(sub)
    add_demo_command(sub)
    add_train_commands(sub)
    return parser


def _setting_error(loc: tuple[int | str, ...], message: str) -> str:
    if message.startswith("Value error, "):
        return message.removeprefix("Value error, ")  # our validators name the setting themselves
    return f"GUANJIA_{str(loc[0]).upper() if loc else '?'}: {message}"


def main(argv: Sequence[str] | None = None, clock: Clock | None = None) -> int:
    """Run one command; `clock` is the one wall clock a command reads (tests pass their own)."""
    args = build_parser().parse_args(argv)
    args.clock = clock or SystemClock()
    try:
        result: int = args.func(args)
    except ValidationError as exc:  # GUANJIA_* settings: one line per bad setting, no traceback
        if exc.title != "Settings":
            raise
        lines = [f"  - {_setting_error(error['loc'], error['msg'])}" for error in exc.errors()]
        print("配置错误 / configuration error (GUANJIA_* environment):\n" + "\n".join(lines), file=sys.stderr)
        return 2
    return result


if __name__ == "__main__":
    raise SystemExit(main())
