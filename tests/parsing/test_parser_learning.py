"""Learning from the ledger: what the office settled becomes training rows; a retrained model is
installed only when it is not worse on the fixed test split; the job runs once a local night."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session

from bot.parsing.corpus_files import bundled_training_rows
from bot.parsing.learning import Outcome, ledger_rows, nightly, retrain
from bot.parsing.loading import load_parser
from bot.parsing.model import ParserModel
from config import GuanjiaConfig
from models import Ticket
from tests.support.chat import Chat

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 24, 3, 0, tzinfo=SHANGHAI)


def _unit_member(chat: Chat, ticket_id: int) -> str:
    with chat.services.session_factory() as session:
        unit = session.get_one(Ticket, ticket_id).unit
    return chat.services.cfg.units[unit].members[0]


def test_settled_tickets_become_labelled_rows_and_open_ones_do_not(chat: Chat):
    relabelled = chat.report("幸福小区北门外墙上贴满了办证的小广告")
    chat.send(f"改类 {relabelled} 公益宣传", sender="ccb_wang")
    closed = chat.report("文化广场东侧垃圾桶满了溢出来了")
    member = _unit_member(chat, closed)
    chat.send(f"认领 {closed}", sender=member)
    chat.send(f"完成 {closed} 已清理", sender=member)
    chat.send(f"验收 {closed} 通过", sender="wgy_li")
    still_open = chat.report("府前街与南环路交叉口路面塌了一个大坑")
    cancelled = chat.report("和平路菜市场门口有人摆摊卖菜")
    chat.send(f"撤销 {cancelled} 报错了", sender="wgy_li")

    with Session(chat.services.engine) as session:
        rows = {row["text"]: row for row in ledger_rows(session)}

    assert rows["幸福小区北门外墙上贴满了办证的小广告"]["categories"] == ["publicity"]
    assert rows["文化广场东侧垃圾桶满了溢出来了"]["categories"] == ["garbage"]
    assert all(row["is_report"] for row in rows.values())
    assert "府前街与南环路交叉口路面塌了一个大坑" not in rows, still_open
    assert "和平路菜市场门口有人摆摊卖菜" not in rows


@pytest.fixture(scope="module")
def weak_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model fitted on 60 messages: clearly worse than one fitted on 600."""
    from bot.parsing.learning import train_model
    from config import load_config

    cfg = load_config()
    model, _ = train_model(cfg, base=bundled_training_rows()[::60])
    path = tmp_path_factory.mktemp("weak") / "parser_model.npz"
    model.save(path)
    return path


def _installed_at(path: Path) -> str | None:
    return ParserModel.load(path).info.get("trained_at") if path.exists() else None


def test_a_retrained_model_worse_than_the_one_in_use_is_not_installed(cfg: GuanjiaConfig, tmp_path: Path):
    out = tmp_path / "parser_model.npz"  # nothing installed: the shipped model is the one in use
    outcome = retrain(cfg, None, out, NOW, base=bundled_training_rows()[::60])

    assert not outcome.installed
    assert outcome.candidate < outcome.current
    assert not out.exists()
    assert load_parser(cfg, out).parse("幸福小区门口垃圾堆了三天没人清").problems[0].category == "garbage"


def test_a_better_model_replaces_the_installed_one_and_the_parser_reads_it(
    cfg: GuanjiaConfig, tmp_path: Path, weak_model: Path
):
    out = tmp_path / "parser_model.npz"
    out.write_bytes(weak_model.read_bytes())
    before = _installed_at(out)

    outcome = retrain(cfg, None, out, NOW, base=bundled_training_rows()[::6])

    assert outcome.installed, outcome.text()
    assert outcome.candidate >= outcome.current
    assert _installed_at(out) == NOW.isoformat() != before
    assert ParserModel.load(out).info["guard_figure"] == round(outcome.candidate, 4)


def test_the_nightly_job_runs_once_a_local_night_from_the_configured_hour(cfg: GuanjiaConfig, tmp_path: Path):
    out = tmp_path / "parser_model.npz"
    runs: list[datetime] = []

    def run_at(when: datetime) -> Outcome | None:
        return nightly(cfg, out, when, lambda: runs.append(when) or None)

    hour = cfg.parser.retrain_hour
    evening = datetime(2026, 11, 24, 21, 0, tzinfo=SHANGHAI)
    run_at(evening.replace(day=23))  # 21:00 counts for that day
    first_night = datetime(2026, 11, 24, hour, 5, tzinfo=SHANGHAI)
    run_at(first_night - timedelta(hours=1))  # before the hour: nothing
    run_at(first_night)
    run_at(first_night + timedelta(hours=3))  # same local day: already tried
    run_at(first_night + timedelta(days=1))
    assert runs == [evening.replace(day=23), first_night, first_night + timedelta(days=1)]
