"""`guanjia learned list` / `guanjia learned forget ID`: what corrections taught the router."""

from __future__ import annotations

import argparse
from typing import Any

from sqlalchemy import select

from bot.core.db import make_engine, make_session_factory
from bot.tickets.routing_memory import learned_rows_changed
from config.loader import load_config
from config.settings import get_settings
from models import RoutingCorrection


def cmd_list(args: argparse.Namespace) -> int:
    settings = get_settings()
    cfg = load_config(settings.config)
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            rows = list(session.scalars(select(RoutingCorrection).order_by(RoutingCorrection.id)))
    finally:
        engine.dispose()
    if not rows:
        print("还没有学到任何纠正")
        return 0
    need = cfg.parser.learn_after
    print(f"ID  词 → 类别 / 单位  （纠正次数，满{need}次生效）  来自工单")
    for row in rows:
        state = "生效" if row.count >= need else "待定"
        tickets = "、".join(f"#{t}" for t in row.ticket_ids)
        print(
            f"{row.id}  {row.word} → {cfg.category_name(row.category)} / {cfg.unit_name(row.unit)}"
            f"  （{row.count}次，{state}）  {tickets}"
        )
    return 0


def cmd_forget(args: argparse.Namespace) -> int:
    settings = get_settings()
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session, session.begin():
            row = session.get(RoutingCorrection, args.id)
            if row is None:
                print(f"没有编号为 {args.id} 的学习记录")
                return 1
            word = row.word
            session.delete(row)
        learned_rows_changed()
    finally:
        engine.dispose()
    refresh = load_config(settings.config).parser.learned_refresh_seconds
    print(f"已删除 {args.id}：「{word}」不再影响派单（运行中的服务{refresh:g}秒内生效）")
    return 0


def add_commands(sub: Any) -> None:
    learned = sub.add_parser("learned", help="list or forget routing learned from 转派/改类")
    actions = learned.add_subparsers(dest="action", required=True)
    actions.add_parser("list", help="every learned word, its category, unit and support").set_defaults(func=cmd_list)
    forget = actions.add_parser("forget", help="remove one learned word by its ID")
    forget.add_argument("id", type=int)
    forget.set_defaults(func=cmd_forget)
