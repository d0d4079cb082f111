"""Load and validate `guanjia.yaml`; every error names the file, the key and the problem."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from config.schema import GuanjiaConfig


class ConfigError(Exception):
    """The configuration cannot be used; the message is meant for the clerk who edits it."""


def default_config_path() -> Path:
    env = os.environ.get("GUANJIA_CONFIG")
    return Path(env) if env else Path(__file__).with_name("guanjia.yaml")


def _dotted(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "(top level)"


def _cross_reference_errors(cfg: GuanjiaConfig) -> list[str]:
    errors: list[str] = []
    for code, category in cfg.categories.items():
        if category.unit not in cfg.units:
            errors.append(f"categories.{code}.unit: unknown unit {category.unit!r}")
    if cfg.gazetteer.communities and cfg.gazetteer.unit not in cfg.units:
        errors.append(f"gazetteer.unit: unknown unit {cfg.gazetteer.unit!r}")
    if cfg.triage_unit not in cfg.units:
        errors.append(f"triage_unit: unknown unit {cfg.triage_unit!r}")
    if cfg.triage_category not in cfg.categories:
        errors.append(f"triage_category: unknown category {cfg.triage_category!r}")
    seen: dict[str, str] = {}
    for code, unit in cfg.units.items():
        for label in (code, unit.name, *unit.aliases):
            owner = seen.setdefault(label, code)
            if owner != code:
                errors.append(f"units.{code}.aliases: {label!r} also names unit {owner!r}")
    for group_id, group in cfg.groups.items():
        if group.outbound.platform == "generic" and not group.outbound.url:
            errors.append(f"groups.{group_id}.outbound.url: required for platform 'generic'")
    for code, point in cfg.points.list.items():
        if point.unit not in cfg.units:
            errors.append(f"points.list.{code}.unit: unknown unit {point.unit!r}")
    for group_id in cfg.digests.district_groups:
        if group_id not in cfg.groups:
            errors.append(f"digests.district_groups: unknown group {group_id!r}")
    for group_id in cfg.campaign.escalation_groups:
        if group_id not in cfg.groups:
            errors.append(f"campaign.escalation_groups: unknown group {group_id!r}")
    for code in cfg.campaign.factors:
        if code not in cfg.categories:
            errors.append(f"campaign.factors.{code}: unknown category {code!r}")
    return errors


def parse_config(data: Any, source: str = "<config>") -> GuanjiaConfig:
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: (top level): expected a mapping of settings")
    try:
        cfg = GuanjiaConfig.model_validate(data)
    except ValidationError as exc:
        lines = [f"{source}: {_dotted(err['loc'])}: {err['msg']}" for err in exc.errors()]
        raise ConfigError("\n".join(lines)) from None
    problems = _cross_reference_errors(cfg)
    if problems:
        raise ConfigError("\n".join(f"{source}: {line}" for line in problems))
    return cfg


def load_config(path: Path | str | None = None) -> GuanjiaConfig:
    file = Path(path) if path is not None else default_config_path()
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{file}: cannot read: {exc.strerror}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise ConfigError(f"{file}: not valid YAML{where}: {getattr(exc, 'problem', exc)}") from None
    return parse_config(data, str(file))
