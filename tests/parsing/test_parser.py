"""What a group member sees from the parser: which messages become tickets, and how.

Messages are hand-written for these tests (not taken from the dev sample) and use the
shipped config/guanjia.yaml vocabulary.
"""

from __future__ import annotations

import pytest

from bot.parsing.parser import MessageParser, ParsedMessage
from config import load_config


@pytest.fixture(scope="module")
def parser() -> MessageParser:
    return MessageParser(load_config())


def only(parsed: ParsedMessage):
    assert parsed.is_report
    assert len(parsed.problems) == 1, parsed.problems
    return parsed.problems[0]


@pytest.mark.parametrize(
    ("text", "category", "unit"),
    [
        ("学府路东段 一辆黑色轿车违停在人行道上 [图片]", "car_parking", "jtzd"),
        ("翠湖家园3号楼1单元楼道里堆了好多旧家具和纸箱子", "piles", "sd"),
        ("文化路的路灯坏了三盏，晚上黑乎乎的", "facility", "szg"),
        ("长青小区2号楼楼下有人飞线充电", "wires", "sd"),
        ("锦绣花园南门 垃圾箱满了 垃圾都溢出来了", "garbage", "hws"),
        ("河东公园北门 有人遛狗不拴绳", "dog", "gapc"),
        ("幸福大街东段 施工围挡倒了 扬尘很大", "construction", "zjw"),
        ("建国路口公厕太脏了 蹲位堵了", "toilet", "hws"),
        ("杨庄村口 有人私搭乱建 盖了一间彩钢房", "illegal_building", "cgzf"),
        ("东风市场里面 地上全是污水和烂菜叶", "market", "scjg"),
        ("华联超市门口 有人摆摊卖水果", "vending", "cgzf"),
        ("南门地铁站C口 共享单车倒了一大片", "bike_parking", "jtj"),
        ("和平路与新华街路口 好多电动车闯红灯", "traffic", "jtzd"),
        ("前进路桥下 公益广告牌被风刮破了，褪色严重", "publicity", "wmb"),
        ("阳光小区东门外墙上贴满了牛皮癣", "ads", "cgzf"),
        ("永安路88号饭店门口 门前三包责任牌没挂", "storefront", "cgzf"),
        ("那个啥我在光华路这边看见有个大坑车都绕着走呢你们快来看看", "road", "szg"),
        ("绿地里有人种菜 把草都拔了", "greening", "yl"),
        ("康乐小区西门雨水篦子堵了 门口积水很深", "sewer", "sw"),
    ],
)
def test_reports_route_to_category_and_unit(parser: MessageParser, text: str, category: str, unit: str):
    problem = only(parser.parse(text))
    assert (problem.category, problem.unit) == (category, unit)
    assert problem.suggestions[0] == category
    assert len(problem.suggestions) <= 3
    assert 0 < problem.confidence <= 1


def test_mentioned_unit_does_not_change_routing(parser: MessageParser):
    problem = only(parser.parse("@交警 @园林 北湖小区东门 共享单车乱停 把盲道堵了"))
    assert (problem.category, problem.unit) == ("bike_parking", "jtj")
    problem = only(parser.parse("康平路12号 电线掉下来了 请供电公司马上来"))
    assert problem.unit == "sd"


def test_clear_report_without_category_goes_to_triage_with_low_confidence(parser: MessageParser):
    problem = only(parser.parse("北苑家园西门 树上有个马蜂窝 很大一个 怕蛰到小孩"))
    assert (problem.category, problem.unit) == ("other", "ccb")
    assert problem.confidence < load_config().parser.min_confidence


@pytest.mark.parametrize(
    "text",
    [
        "收到",
        "好的，马上安排人去看",
        "👍辛苦了",
        "今天天气真热啊",
        "下周开展小广告专项整治，请各单位做好准备",
        "【会议通知】周三上午九点在二楼开创城调度会",
        "昨天说的华联门口乱停车已经清走了",
        "已整改",
        "东门那边的共享单车已经摆放整齐了",
        "请问井盖丢了是找水务还是找市政？",
        "幸福小区的小广告清理完了吗？",
        "认领 12",
        "认领12",
        "#7 已整改",
        "完成 3 已清理",
        "查询 5",
        "帮助",
        "@大管家 转派 5 园林",
    ],
)
def test_chatter_notices_follow_ups_and_commands_are_not_reports(parser: MessageParser, text: str):
    assert parser.parse(text) == ParsedMessage(is_report=False)


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("学府路与长安街交叉口西北角 一辆轿车违停", "学府路与长安街交叉口西北角"),
        ("人民路和解放街路口东南角有一堆建筑垃圾", "人民路和解放街路口东南角"),
        ("翠湖家园3号楼1单元门口堆了旧沙发", "翠湖家园3号楼1单元门口"),
        ("南门地铁站C口 共享单车乱停一大片", "南门地铁站C口"),
        ("永安路88号饭店门口 门前三包责任牌没挂", "永安路88号饭店门口"),
        ("我刚才在柳林村村口这块看见一堆垃圾没人清", "柳林村村口"),
        ("老城胡同23号院 私自开墙打洞", "老城胡同23号院"),
        ("红旗大桥下 有人摆摊卖烤串", "红旗大桥下"),
        ("【问题上报】地点：和谐家园4号楼东侧 问题：路灯不亮", "和谐家园4号楼东侧"),
        ("实验二小门口 接孩子的车全停在消防通道上", "实验二小门口"),
    ],
)
def test_place_is_the_most_specific_phrase_as_written(parser: MessageParser, text: str, place: str):
    assert only(parser.parse(text)).location == place


@pytest.mark.parametrize("text", ["楼道里堆满了杂物", "小区内多处墙面被人用红漆乱涂乱画", "又看见有人遛狗不拴绳"])
def test_generic_words_are_not_places(parser: MessageParser, text: str):
    assert only(parser.parse(text)).location is None


@pytest.mark.parametrize(
    "text",
    [
        "红星胡同8号院门口井盖丢了 一个大黑洞",
        "北环路中段路面塌陷了一个大坑",
        "新华路 电线杆上的电线掉下来了 垂到地上",
        "福源里社区12号楼2单元燃气味很大",
        "青年路中段一棵大树被风刮倒了 压在一辆出租车上",
        "城南路西侧的自来水管爆了，水冒了一地",
    ],
)
def test_danger_to_people_is_urgent(parser: MessageParser, text: str):
    assert only(parser.parse(text)).urgent


@pytest.mark.parametrize(
    "text",
    [
        "幸福路口有个大坑 赶紧来人修一下 太危险了！！",
        "紧急！！南湖公园门口好多小广告",
        "北关小区3号楼井盖松动了 踩上去咣当响",
    ],
)
def test_emphasis_alone_is_not_urgent(parser: MessageParser, text: str):
    assert not only(parser.parse(text)).urgent


def test_two_problems_in_one_message_give_two_problems_in_order(parser: MessageParser):
    parsed = parser.parse("阳光小区东门外 墙上贴满了牛皮癣，路边还有人摆摊烧烤")
    assert parsed.is_report
    assert [p.category for p in parsed.problems] == ["ads", "vending"]
    assert all(p.location == "阳光小区东门外" for p in parsed.problems)


def test_one_problem_described_twice_stays_one(parser: MessageParser):
    parsed = parser.parse("东风市场水产区地上全是污水，垃圾也没人清，腥臭味很重")
    assert [p.category for p in parsed.problems] == ["market"]
    parsed = parser.parse("幸福小区门口有小广告，旁边电线杆上也贴满了小广告")
    assert [p.category for p in parsed.problems] == ["ads"]


def test_full_width_emoji_and_placeholders(parser: MessageParser):
    problem = only(parser.parse("🚨🚨 ＸＸ小区５号楼门口有一大堆建筑垃圾　［图片］［图片］"))
    assert (problem.category, problem.location) == ("piles", "XX小区5号楼门口")
    assert parser.parse("＃１２　已整改") == ParsedMessage(is_report=False)


def test_voice_to_text_without_punctuation(parser: MessageParser):
    problem = only(parser.parse("喂你好我跟你说一下就是那个东坝村村口那块有好多共享单车倒在地上都没人管"))
    assert (problem.category, problem.location) == ("bike_parking", "东坝村村口")
