"""The statistical layer as users meet it: reports worded without the listed words, a stale or
broken model file, and the shipped model's figures on text the team did not write."""

from __future__ import annotations

import json
import logging
import zipfile
from pathlib import Path

import numpy as np
import pytest

from bot.parsing.corpus_files import guard_rows
from bot.parsing.evaluation import TARGETS, score
from bot.parsing.loading import load_parser
from bot.parsing.model import BUNDLED, ModelError, ParserModel
from bot.parsing.parser import MessageParser, ParsedMessage
from config import GuanjiaConfig


@pytest.fixture(scope="module")
def parser(cfg: GuanjiaConfig) -> MessageParser:
    return load_parser(cfg)


def main(parsed: ParsedMessage) -> tuple[str, bool]:
    assert parsed.is_report, parsed
    return parsed.problems[0].category, parsed.problems[0].urgent


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("那辆灰色面包车已经在人行道上停三天了", "car_parking"),
        ("新华书店门口好多共享单车倒了一地", "bike_parking"),
        ("关于滨河路段夜间施工噪音扰民的投诉", "construction"),
        ("锦绣小区北门垃圾堆放问题久拖不决", "garbage"),
        ("楼下烧烤店油烟太大了，天天熏得不敢开窗", "other"),
    ],
)
def test_reports_without_the_listed_words_are_read(parser: MessageParser, text: str, category: str):
    assert main(parser.parse(text))[0] == category


@pytest.mark.parametrize(
    "text", ["光明小区3栋门口窨井没了盖子", "幸福路口电线垂到地上了", "建设路中段路面垮塌了一大块"]
)
def test_danger_phrased_without_an_urgent_word_is_urgent(parser: MessageParser, text: str):
    assert main(parser.parse(text))[1] is True


@pytest.mark.parametrize(
    "text",
    [
        "养犬登记在哪里办",
        "您好，您反映的问题经核实已安排环卫人员清理完毕，感谢您的监督",
        "本周重点整治占道经营和乱停车，请各单位加强巡查",
    ],
)
def test_questions_replies_and_notices_are_not_reports(parser: MessageParser, text: str):
    assert not parser.parse(text).is_report


def test_rules_alone_miss_what_the_model_reads(cfg: GuanjiaConfig, parser: MessageParser):
    """The reason the model exists: a plain report no keyword list covers."""
    text = "那辆灰色面包车已经在人行道上停三天了"
    rules = MessageParser(cfg).parse(text)
    assert not rules.is_report or rules.problems[0].category != "car_parking"
    assert main(parser.parse(text))[0] == "car_parking"


def test_the_shipped_model_detects_reports_on_the_real_test_split(cfg: GuanjiaConfig, parser: MessageParser):
    """Real public messages the model never trained or tuned on (bot/parsing/corpus/real_test.jsonl)."""
    figures = score(guard_rows(), parser.parse).figures
    assert figures["detection_f1"] >= TARGETS["detection_f1"]
    assert figures["multi_recall"] >= TARGETS["multi_recall"]
    assert figures["category_accuracy"] >= 0.8  # below the 0.9 target: see the README's figures


def _rewrite_header(src: Path, dst: Path, change: dict) -> None:
    with np.load(src, allow_pickle=False) as data:
        arrays = {name: data[name] for name in data.files}
    header = json.loads(str(arrays["header"])) | change
    arrays["header"] = np.array(json.dumps(header))
    np.savez_compressed(dst, **arrays)


def test_a_model_made_for_other_features_is_refused(tmp_path: Path):
    stale = tmp_path / "stale.npz"
    _rewrite_header(BUNDLED, stale, {"rule_features": ["something", "else"]})
    with pytest.raises(ModelError, match="guanjia train"):
        ParserModel.load(stale)


def test_a_model_that_lacks_a_configured_category_is_refused(cfg: GuanjiaConfig, tmp_path: Path):
    narrow = tmp_path / "narrow.npz"
    with np.load(BUNDLED, allow_pickle=False) as data:
        categories = json.loads(str(data["header"]))["categories"]
    _rewrite_header(BUNDLED, narrow, {"categories": [c for c in categories if c != "dog"] + ["pets"]})
    with pytest.raises(ModelError, match="dog"):
        ParserModel.load(narrow, categories=list(cfg.categories))


def test_a_broken_installed_model_falls_back_to_the_shipped_one(
    cfg: GuanjiaConfig, tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    broken = tmp_path / "parser_model.npz"
    with zipfile.ZipFile(broken, "w") as archive:
        archive.writestr("header.npy", b"not an array")
    with caplog.at_level(logging.ERROR):
        parser = load_parser(cfg, broken)
    assert main(parser.parse("新华书店门口好多共享单车倒了一地"))[0] == "bike_parking"
    assert "not used" in caplog.text and str(broken) in caplog.text


def test_a_truncated_model_file_is_refused_with_its_path(tmp_path: Path):
    cut = tmp_path / "cut.npz"
    cut.write_bytes(BUNDLED.read_bytes()[:5000])
    with pytest.raises(ModelError, match=r"cut\.npz"):
        ParserModel.load(cut)


def test_saving_replaces_the_file_whole(tmp_path: Path):
    model = ParserModel.load(BUNDLED)
    target = tmp_path / "parser_model.npz"
    target.write_bytes(b"old")
    model.save(target)
    assert ParserModel.load(target).vocabulary == model.vocabulary
    assert [p.name for p in tmp_path.iterdir()] == ["parser_model.npz"]


def test_a_running_intake_picks_up_a_newly_installed_model(cfg: GuanjiaConfig, tmp_path: Path):
    from datetime import UTC, datetime, timedelta

    from bot.core.clock import ManualClock
    from bot.parsing.loading import ParserSource

    clock = ManualClock(datetime(2026, 11, 24, 2, 0, tzinfo=UTC))
    installed = tmp_path / "parser_model.npz"
    source = ParserSource(cfg, installed, clock, check_seconds=60)
    shipped = source.current()
    _rewrite_header(BUNDLED, installed, {"info": {"trained_at": "nightly"}})

    clock.advance(timedelta(seconds=30))
    assert source.current() is shipped  # not looked at yet
    clock.advance(timedelta(seconds=31))
    reloaded = source.current()
    assert reloaded is not shipped
    assert reloaded._model is not None and reloaded._model.info == {"trained_at": "nightly"}
    clock.advance(timedelta(minutes=5))
    assert source.current() is reloaded  # unchanged file: the same parser


@pytest.mark.parametrize(
    "text", ["幸福小区3号楼北边", "在松林小区3号楼北边", "地点：东关大街北口", "府前街与南环路交叉口东北角"]
)
def test_a_place_alone_is_not_a_report(parser: MessageParser, text: str):
    """It answers 请补充地点 or adds to the report just made; alone it names no problem."""
    assert parser.parse(text) == ParsedMessage(is_report=False)


def test_a_place_with_a_problem_is_a_report(parser: MessageParser):
    assert main(parser.parse("光明路有个大坑"))[0] == "road"


@pytest.mark.parametrize(
    ("text", "categories"),
    [
        ("感觉最近小区里流浪狗越来越多了", ["other"]),  # 狗 hints at 不文明养犬; it is one problem
        ("东湖家园小区门口乱贴小广告，还有人乱扔垃圾", ["ads", "garbage"]),
    ],
)
def test_one_problem_is_one_ticket_and_two_are_two(parser: MessageParser, text: str, categories: list[str]):
    """A word that only hints at another category beside the model's reading is that reading's
    rival, not a second problem: each extra problem is a ticket a unit must send back."""
    parsed = parser.parse(text)
    assert [p.category for p in parsed.problems] == categories


@pytest.mark.parametrize(
    ("text", "problems"),
    [
        (
            "今日巡查发现：1.东关大街垃圾没人清；2.北关路口车辆乱停；3.妫水公园厕所没水",
            [("garbage", "东关大街"), ("car_parking", "北关路口"), ("toilet", "妫水公园厕所")],
        ),
        (
            "问题一 东外大街北侧人行道上有人摆摊卖菜 问题二 百泉街电线杆上贴满办证小广告",
            [("vending", "东外大街北侧人行道上"), ("ads", "百泉街电线杆上")],
        ),
        # The words before the list name the one thing inspected: its defects are one problem.
        ("西站转盘公共卫生间 (1)有明显异味; (2)地面有积水; (3)洗手池无照明。", [("toilet", "西站转盘公共卫生间")]),
    ],
)
def test_an_enumerated_list_is_read_item_by_item(
    parser: MessageParser, text: str, problems: list[tuple[str, str]]
) -> None:
    """An inspector's round as posted: read whole, the second item took the first item's place
    and went to triage, and the third item was lost."""
    parsed = parser.parse(text)
    assert [(p.category, p.location) for p in parsed.problems] == problems


@pytest.mark.parametrize("text", ["东关大街路边的树枝离地1.5米 挡住了路", "今天的通知：1.下午三点开会；2.带好台账"])
def test_a_decimal_or_a_list_of_notices_is_not_a_list_of_problems(parser: MessageParser, text: str) -> None:
    parsed = parser.parse(text)
    assert len(parsed.problems) <= 1


def test_ads_on_a_lamp_pole_are_one_problem(parser: MessageParser) -> None:
    """The pole is where the ads are, not a broken facility: one ticket for 城管, none for 市政."""
    assert [p.category for p in parser.parse("东外大街路灯杆上贴满小广告").problems] == ["ads"]


def test_a_faint_none_of_the_categories_beside_a_named_one_is_not_a_second_problem(parser: MessageParser) -> None:
    """ "好像又有人乱扔了" opened 【其他】 for the office beside 【垃圾】 for 环卫 (found on the ledger)."""
    assert [p.category for p in parser.parse("好像又有人乱扔了").problems] == ["garbage"]


@pytest.mark.parametrize(("text", "place"), [("感觉百泉街有点脏", "百泉街"), ("听说东关大街那边有人摆摊", "东关大街")])
def test_a_hedge_before_the_place_is_not_part_of_it(parser: MessageParser, text: str, place: str) -> None:
    assert parser.parse(text).problems[0].location == place
