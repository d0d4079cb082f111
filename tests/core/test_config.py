"""A bad config stops the start, naming the file, the key and what is wrong."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from config import ConfigError, load_config

DEFAULT = Path(__file__).resolve().parents[2] / "config" / "guanjia.yaml"
TAXONOMY = Path(__file__).resolve().parents[3] / "shared" / "spec" / "taxonomy.yaml"


def write(tmp_path: Path, mutate: object) -> Path:
    data = yaml.safe_load(DEFAULT.read_text(encoding="utf-8"))
    mutate(data)  # type: ignore[operator]
    path = tmp_path / "guanjia.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_default_config_ships_the_taxonomy() -> None:
    cfg = load_config(DEFAULT)
    assert len(cfg.categories) == 20 and len(cfg.units) == 14
    assert cfg.categories["car_parking"].unit == "jtzd"
    assert cfg.urgent.claim_hours == 0.5 and cfg.urgent.fix_hours == 4
    if TAXONOMY.exists():  # beside the repo in development and CI
        taxonomy = yaml.safe_load(TAXONOMY.read_text(encoding="utf-8"))
        for code, spec in taxonomy["categories"].items():
            ours = cfg.categories[code]
            assert (ours.name, ours.unit, ours.claim_hours, ours.fix_hours) == (
                spec["name"], spec["unit"], spec["claim_hours"], spec["fix_hours"],
            )  # fmt: skip
        for code, spec in taxonomy["units"].items():
            assert cfg.units[code].name == spec["name"]
            assert cfg.units[code].aliases == spec["aliases"]


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda d: d["categories"]["garbage"].update(unit="nobody"), "categories.garbage.unit: unknown unit 'nobody'"),
        (
            lambda d: d["categories"]["garbage"].update(fix_hours=-1),
            "categories.garbage.fix_hours: Input should be greater than 0",
        ),
        (
            lambda d: d["categories"]["garbage"].update(fix_hour=3),
            "categories.garbage.fix_hour: Extra inputs are not permitted",
        ),
        (lambda d: d["units"]["hws"].pop("name"), "units.hws.name: Field required"),
        (lambda d: d["units"]["hws"]["aliases"].append("交警"), "units.jtzd.aliases: '交警' also names unit 'hws'"),
        (lambda d: d.update(timezone="Mars/Olympus"), "timezone: Value error, unknown time zone 'Mars/Olympus'"),
        (lambda d: d["groups"]["demo"].update(outbound={"platform": "generic"}), "groups.demo.outbound.url: required"),
        (lambda d: d.pop("urgent"), "urgent: Field required"),
        (lambda d: d["campaign"]["factors"].update(nothing=0.5), "campaign.factors.nothing: unknown category"),
        (lambda d: d["campaign"]["factors"].update(garbage=2), "campaign: Value error, factors.garbage: 2"),
        (lambda d: d["campaign"].update(factor=0), "campaign.factor: Input should be greater than 0"),
        (lambda d: d["campaign"].update(escalation_groups=["x"]), "campaign.escalation_groups: unknown group 'x'"),
        (
            lambda d: d["campaign"].update(period={"start": "2026-12-15", "end": "2026-12-01"}),
            "campaign.period: Value error, end 2026-12-01 is before start 2026-12-15",
        ),
    ],
)
def test_bad_config_names_file_key_and_problem(tmp_path: Path, mutate: object, expected: str) -> None:
    path = write(tmp_path, mutate)
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert f"{path}: {expected}" in str(raised.value)


def test_broken_yaml_and_missing_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("units:\n  hws: {name: 环卫\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"broken.yaml: not valid YAML \(line \d+, column \d+\)"):
        load_config(broken)
    with pytest.raises(ConfigError, match=r"nothere\.yaml: cannot read"):
        load_config(tmp_path / "nothere.yaml")


def test_serve_refuses_to_start_with_bad_config(tmp_path: Path) -> None:
    path = write(tmp_path, lambda d: d["categories"]["ads"].update(unit="ghost"))
    env = {"GUANJIA_CONFIG": str(path), "GUANJIA_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "PATH": ""}
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "serve", "--port", "1"],
        capture_output=True, text=True, env=env, timeout=60, cwd=DEFAULT.parent.parent,
    )  # fmt: skip
    assert result.returncode == 2
    assert f"{path}: categories.ads.unit: unknown unit 'ghost'" in result.stderr
    assert not (tmp_path / "x.db").exists()
