"""`guanjia points import FILE.xlsx`: load the 测评点位 from a spreadsheet into the config file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bot.inspections.point_import import HEADER, import_points
from config.loader import ConfigError, default_config_path, load_config
from config.settings import get_settings


def cmd_import(args: argparse.Namespace) -> int:
    settings = get_settings()
    config_path = Path(settings.config) if settings.config else default_config_path()
    try:
        cfg = load_config(config_path)
    except ConfigError as exc:
        print(f"配置文件有误，未导入：\n{exc}", file=sys.stderr)
        return 2
    result = import_points(config_path, cfg, Path(args.file))
    if result.errors:
        print("未导入，请改正后重试：\n" + "\n".join(f"  - {e}" for e in result.errors), file=sys.stderr)
        return 1
    print(f"已导入 {len(result.points)} 个点位到 {config_path}（points.list），重启服务后生效")
    return 0


def add_commands(sub: Any) -> None:
    points = sub.add_parser("points", help="测评点位: import the point list from a spreadsheet")
    actions = points.add_subparsers(dest="action", required=True)
    load = actions.add_parser("import", help=f"replace points.list with an .xlsx sheet ({'/'.join(HEADER)})")
    load.add_argument("file")
    load.set_defaults(func=cmd_import)
