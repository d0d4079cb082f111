"""The place a report names, as people write it (issue 11, item 3).

Hand-written for these tests; every place name is invented or generic, and none is taken
from a corpus. The label convention (/work/shared/corpus/README.md) is that the labelled
place is the most specific place phrase as written, and a hit is counted when it lies inside
the extracted one; so most cases check containment and a bounded length, a few the exact
phrase, and the no-place cases check None.
"""

from __future__ import annotations

import pytest

from bot.parsing.parser import MessageParser
from bot.parsing.place_extractor import PlaceExtractor
from config import load_config


@pytest.fixture(scope="module")
def places() -> PlaceExtractor:
    return PlaceExtractor(load_config().parser)


@pytest.fixture(scope="module")
def parser() -> MessageParser:
    return MessageParser(load_config())


def _check(places: PlaceExtractor, text: str, want: str) -> None:
    got = places.extract(text)
    assert got is not None, text
    assert want in got, (text, got)
    assert got in text
    # Longer is allowed (a hit), but not a whole clause.
    assert len(got) <= len(want) + 10, (text, got)


ROADS_AND_CROSSINGS = [
    ("模范一路与汇海路交界路口处的红绿灯坏了好几天", "模范一路与汇海路交界路口"),
    ("府前街与南环路交叉口东北角有人摆摊卖水果", "府前街与南环路交叉口东北角"),
    ("建设大道和解放路交汇处积水很深", "建设大道和解放路交汇处"),
    ("解放西路与五一大道交叉路口东南角的护栏倒了", "解放西路与五一大道交叉路口东南角"),
    ("青松路跟明月街十字路口红绿灯不亮", "青松路跟明月街十字路口"),
    ("人民路88号门前垃圾没人清", "人民路88号门前"),
    ("红旗大街西段往南50米有个井盖没了", "红旗大街西段往南50米"),
    ("中山北路东侧约100米处路灯不亮", "中山北路东侧约100米"),
    ("滨江路辅路上一直有货车违停", "滨江路辅路"),
    ("学院路南口红绿灯时间太短", "学院路南口"),
    ("枫林大道旁边的人行道砖松动了", "枫林大道"),
    ("长宁区昌平路1000弄门口堆满垃圾", "昌平路1000弄"),
    ("柳荫路到石桥镇路段的污水排不出去", "柳荫路到石桥镇路段"),
    ("翠湖北街至文昌路沿线的树倒了好几棵", "翠湖北街至文昌路"),
    ("环城东路(农机站路口至粮站路口)两侧绿化带有垃圾", "环城东路(农机站路口至粮站路口)"),
    ("金桥大道非机动车道上有人摆摊", "金桥大道非机动车道"),
    ("云杉支路人行道上水管爆裂了", "云杉支路人行道"),
    ("银河路与星光街交口一处围挡倒了", "银河路与星光街交口"),
    ("在桂园路与竹林街交叉口西侧100米处，有两盏路灯不亮", "桂园路与竹林街交叉口西侧100米处"),
    ("从松柏路湖滨路口往西到新风小区门前，路灯一直没亮过", "松柏路湖滨路口往西到新风小区门前"),
]

ESTATES_AND_BUILDINGS = [
    ("XX小区3栋与5栋之间的绿化带有人种菜", "XX小区3栋与5栋之间"),
    ("幸福里小区3号楼2单元楼道里堆满杂物", "幸福里小区3号楼2单元"),
    ("金地花园12幢西侧垃圾桶满了", "金地花园12幢西侧"),
    ("碧水园二期8栋楼下有人飞线充电", "碧水园二期8栋"),
    ("万科城市花园B区5号楼前面的井盖坏了", "万科城市花园B区5号楼"),
    ("翠苑一区17幢2单元门口堆了好多纸箱", "翠苑一区17幢2单元门口"),
    ("东湖新村32号楼后面的空地有人私搭乱建", "东湖新村32号楼"),
    ("锦江小区北门垃圾堆放问题久拖不决", "锦江小区北门"),
    ("桂香苑121弄、129弄的居民楼里有人飞线充电", "桂香苑121弄、129弄"),
    ("铁工南里66-69栋门口的树倒了", "铁工南里66-69栋"),
    ("丽景花园小区正门外垃圾乱堆", "丽景花园小区正门外"),
    ("保利·云栖苑小区东门有人遛狗不拴绳", "保利·云栖苑小区东门"),
    ("红星社区105街坊附近有块空地堆满了建筑垃圾", "红星社区105街坊"),
    ("秋实名邸22栋电梯又坏了", "秋实名邸22栋"),
    ("天河水岸公馆的业主在砸墙", "天河水岸公馆"),
]

SHOPS_AND_LANDMARKS = [
    ("新华书店门口好多共享单车倒了一地", "新华书店门口"),
    ("永辉超市门口有人摆摊卖菜", "永辉超市门口"),
    ("地铁站B口共享单车乱停", "地铁站B口"),
    ("人民医院对面的人行道上摆满了摊位", "人民医院对面"),
    ("肯德基门口垃圾桶满了没人倒", "肯德基门口"),
    ("我刚在中国银行东侧看到绿化带里全是垃圾", "中国银行东侧"),
    ("南京东路步行街入口处贴满小广告", "南京东路步行街入口"),
    ("万达广场停车场出口积水", "万达广场停车场出口"),
    ("人民公园南门西侧100米有个大坑", "人民公园南门西侧100米"),
    ("东华路育才学校前的公交站牌被小广告贴满了", "东华路育才学校前的公交站牌"),
    ("星河大街招商银行这边的人行道上停满了车", "星河大街招商银行这边的人行道"),
    ("光明路中段一家店铺把电瓶车放在门口充电", "光明路中段一家店铺"),
    ("长安北街中段邮局门口路面塌陷", "长安北街中段邮局门口"),
    ("南湖公园外围东西两侧道路的路灯不亮", "南湖公园外围东西两侧道路"),
    ("在区政府大楼对面有人发小广告", "区政府大楼对面"),
    ("团结路党校家属楼内的井盖破损", "团结路党校家属楼"),
    ("西站转盘公共卫生间有明显异味", "西站转盘公共卫生间"),
    ("城南大桥高新区段下桥处桥面有两个大坑", "城南大桥高新区段下桥处"),
]

VILLAGES = [
    ("长沙县江背镇港村龙口寺组有人乱倒建筑垃圾", "江背镇港村龙口寺组"),
    ("江背镇F6县港村龙口寺组的路灯不亮", "江背镇F6县港村龙口寺组"),
    ("王家庄村三组村民在路边焚烧垃圾", "王家庄村三组"),
    ("李家屯东头大坑积水", "李家屯东头"),
    ("河西乡张湾村二组的水沟堵了", "河西乡张湾村二组"),
    ("黄泥坳村村口的桥栏杆断了", "黄泥坳村村口"),
    ("柳溪村牌楼周边有多处占道经营", "柳溪村牌楼"),
    ("东城街道五里大队部西边路段坑洼严重", "东城街道五里大队部西边路段"),
    ("青山乡政府西侧十字路口有个灯箱坏了", "青山乡政府西侧十字路口"),
    ("石门寨后面的山坡有人乱砍树", "石门寨"),
]

BUS_STOPS = [
    ("人民广场公交站的站牌倒了", "人民广场公交站"),
    ("文化宫站台的广告牌破了", "文化宫站台"),
    ("九曲大道两侧公交车站台没有公益广告", "九曲大道两侧公交车站台"),
    ("梧桐路菊苑公车站附近一棵树倒了", "梧桐路菊苑公车站"),
    ("五里店地铁站3号出口共享单车堆成山", "五里店地铁站3号出口"),
    ("位于汉江区岳家湾地铁D出口的商户门口垃圾满天飞", "汉江区岳家湾地铁D出口"),
    ("体育中心公交站点的站牌被撞歪了", "体育中心公交站点"),
    ("在星海新区5路公交车终点站旁有座公厕常年锁门", "星海新区5路公交车终点站"),
]

CODED_NAMES = [
    ("820县道的路灯一直不亮", "820县道"),
    ("324国道旁有人倾倒渣土", "324国道"),
    ("A3区XX路有人占道经营", "A3区XX路"),
    ("K8县城关镇南街积水严重", "K8县城关镇南街"),
    ("G107国道旁边有人倾倒渣土", "G107国道"),
    ("S228省道边上有人焚烧秸秆", "S228省道"),
    ("A市B区C街道D社区垃圾没人清", "D社区"),
    ("XX路段夜间施工噪音大", "XX路段"),
]

PLACE_AFTER_PROBLEM = [
    ("垃圾堆了好几天，在XX路菜市场旁边", "XX路菜市场"),
    ("有人遛狗不拴绳 就在滨河公园", "滨河公园"),
    ("井盖丢了好危险 就在光明路和育才路交叉口", "光明路和育才路交叉口"),
    ("路灯坏了一个多星期了，位置是丰收路北段", "丰收路北段"),
    ("又有人乱倒垃圾了，地点：桃园村村口", "桃园村村口"),
    ("共享单车倒了一地 在图书馆门口", "图书馆门口"),
]

SUBJECT_LINES_AND_LETTERS = [
    ("关于XX路段夜间施工噪音扰民的投诉", "XX路段"),
    ("关于解放路段长期占道经营的问题", "解放路段"),
    ("反映XX小区北门垃圾堆放问题", "XX小区北门"),
    ("关于要求整治湘江中路沿线夜市油烟的建议", "湘江中路"),
    ("关于九曲东路上电动车逆行问题的提问", "九曲东路"),
    ("我是XX市XX区XX小区的业主，小区门口的路灯已经坏了三个月", "XX小区"),
    ("尊敬的领导：您好！我是家住A市B区阳光花园的居民，小区门口天天有人摆摊", "阳光花园"),
    ("近日有市民反映，位于青石路北段的百合园小区垃圾桶满了没人清", "百合园小区"),
    ("湖北省临江市新堤农具巷内每天早上菜贩占道经营", "新堤农具巷"),
    ("镇江扬中市水上国际花城小区业主反映小区内有人私拉电线", "水上国际花城小区"),
    ("记者来到成都锦江区金桂花园小区，看到垃圾堆成了山", "金桂花园小区"),
    ("家住杨柳区控江路121弄的居民向记者反映楼道里有人飞线充电", "控江路121弄"),
    ("东湖高新区花山街道碧水园生态城山湖小区周边有人占道经营", "碧水园生态城山湖小区周边"),
    ("热心读者报料，海丰县城二环路莲花路口有个井盖塌了", "海丰县城二环路莲花路口"),
]

PROVINCES = [
    ("福田区香蜜湖街道农科中心附近有人占道经营", "福田区香蜜湖街道农科中心"),
    ("下沙村委会旁边垃圾成堆", "下沙村委会"),
    ("蓝湾半岛花园西门有人乱贴小广告", "蓝湾半岛花园西门"),
    ("吴中太湖新城中交景庭工地晚上还在施工", "吴中太湖新城中交景庭工地"),
    ("张家堤绿道上到处是垃圾", "张家堤绿道"),
    ("耒溪泗门洲桃花岛渡口的公共卫生间太脏", "耒溪泗门洲桃花岛渡口"),
    ("北方佳苑底商的烧烤店油烟扰民", "北方佳苑底商"),
    ("嘉禾城至日杂沿河路乱堆乱放建筑垃圾", "嘉禾城至日杂沿河路"),
    ("通羊大道 - 通羊三小东侧 - 线缆垮塌", "通羊大道 - 通羊三小东侧"),
    ("九宫大道 - 蓝景商业大厦旁 - 建筑垃圾", "九宫大道 - 蓝景商业大厦旁"),
    ("西环路广宇西苑对出十字路口非机动车乱停", "西环路广宇西苑对出十字路口"),
    ("琼山区高登东街和高登西街十字交叉口电动车闯红灯", "琼山区高登东街和高登西街十字交叉口"),
    ("宏冠小区东侧与主街路连接处有个垃圾点", "宏冠小区东侧与主街路连接处"),
    ("大北街32栋楼道堆满杂物", "大北街32栋"),
    ("纱厂南路白马社区二街坊下水道堵塞", "纱厂南路白马社区二街坊"),
    ("美都花园车辆占用消防通道", "美都花园"),
    ("成都路口的井盖丢了", "成都路口"),
    ("网友反映，在大河高新园区龙湖雅苑小区附近的路口外卖车闯红灯", "大河高新园区龙湖雅苑小区"),
    ("有网友反映称莆阳荔城皇庭景苑小区2号楼1梯有业主在顶楼搭棚", "莆阳荔城皇庭景苑小区2号楼1梯"),
    ("中关村科技电子城与海虹大厦相连的过街天桥上停满电动车", "中关村科技电子城与海虹大厦相连的过街天桥"),
    ("每天经过的东坝地铁站C 口共享单车堆成山", "东坝地铁站C 口"),
]

REPORTER_UNITS = [
    ("明珠园社区城管人员在巡查时发现民和路45号前的人行道上井盖破损", "民和路45号前的人行道"),
    ("南湖街道社区网格员在日常巡查中发现桂园里小区内一处井盖破损", "桂园里小区"),
    ("东城区城管局北街中队接到投诉：杨柳新苑小区有人违建", "杨柳新苑小区"),
]

# Forms seen in real letters and news items (issue: location hit rate on real text).
REAL_TEXT_FORMS = [
    # a way along a place, a distance in words, a first name that reaches back past 与
    ("金桥大桥向北路灯不亮", "金桥大桥向北"),
    ("记者看到,南河北沿岸与建设路交叉口往西二三十米处路面下沉", "南河北沿岸与建设路交叉口往西二三十米处"),
    # positions (上, 外) at a clause end or before a thing pointed at (一家, 一条, 一)
    ("县一中校门口通往松柏苑的路上,一直没有路灯", "县一中校门口通往松柏苑的路上"),
    ("5月14日,青山路上一家五金店铺外,人行道堆满货物", "青山路上一家五金店铺外"),
    ("在百货商场附近的一条公共停车道上,一棵树倒了", "百货商场附近的一条公共停车道"),
    ("记者对市内农贸市场进行走访,在红星路农贸市场外,垃圾随处丢弃", "红星路农贸市场外"),
    # an agency is neither the reporter's place nor the spot
    ("昨天,东湖区创文督查组在巡查中发现,花溪路锦绣名都小区门口一便利店垃圾乱堆", "花溪路锦绣名都小区门口一便利店"),
    ("网友向北江市便民电话中心反映,青石路上有很多垃圾", "青石路"),
    # no place ending: a numbered building opening a clause, a visit, a form line's head
    ("真像走进山村一样。12号楼有人扩绿地种菜", "12号楼"),
    ("在3号楼的第2个楼梯口,缆线乱成一团", "3号楼的第2个楼梯口"),
    ("14日上午,记者来到北塘社看到,门前空地有一摊积水", "北塘社"),
    ("金福国际 - 未设置清洗槽", "金福国际"),
    ("记者带着疑问来到水利局住宅楼。楼道里线缆杂乱", "水利局住宅楼"),
    # 道 as a road ending after a name of two characters; 日前 is no place + 前
    ("读者王女士日前来电反映,东山道上一根电线脱落", "东山道"),
    ("南山道安全提示牌形同虚设", "南山道"),
    # shops, traffic lights, stops and road parts as landmarks after a place
    ("银华广场李记烧烤把油污倒在马路上", "银华广场李记烧烤"),
    ("九曲大道 - 迎春路红路灯处 - 路面塌陷", "九曲大道 - 迎春路红路灯处"),
    ("洋湖大道——县文化中心旁公共卫生间有异味", "洋湖大道——县文化中心旁公共卫生间"),
    ("家住长江路5号街坊的李先生反映下水道堵塞", "长江路5号街坊"),
    ("在学院路市二院门前的步道板上贴满小广告", "学院路市二院门前的步道板"),
    ("未名路公交三公司辅道内康乐花园小区有人遛狗不拴绳", "未名路公交三公司辅道内康乐花园小区"),
    ("记者来到该市环城中路八里站附近,发现树被锯", "环城中路八里站"),
    ("在各条路边的宣传栏、十字路口有许多小广告,更有人在竹县政务公开宣传栏上喷广告", "竹县政务公开宣传栏"),
]

# Parts and sides of a place that people name after it, and positions kept as written.
PARTS_AND_SIDES = [
    ("和平花园5号楼架空层堆满了杂物", "和平花园5号楼架空层"),
    ("青竹小区东侧围墙上贴满小广告", "青竹小区东侧围墙"),
    ("金桂苑8栋1单元地下室进水了", "金桂苑8栋1单元地下室"),
    ("长青路菜场一角堆满垃圾", "长青路菜场一角"),
    ("纺织厂院落内杂物乱堆", "纺织厂院落"),
    ("建设路路南侧有一堆垃圾", "建设路路南侧"),
    ("红枫路中段北端路灯不亮", "红枫路中段北端"),
    ("光华街一带有人摆摊", "光华街一带"),
    ("柳林路上一个井盖不见了", "柳林路上"),
    ("松鹤小区1栋402室漏水", "松鹤小区1栋402室"),
    ("环湖路北二段经常夜间施工", "环湖路北二段"),
    ("途经老街东巷子口,两边小摊摆满了", "老街东巷子口"),
    ("金水小区十字垃圾成堆", "金水小区十字"),
    ("人民巷农贸市场外面门店出店经营", "人民巷农贸市场外面"),
    ("平安花园对面迎宾大道南围墙上有小广告", "平安花园对面迎宾大道南围墙"),
    ("青山社区垃圾点地面堆满建筑渣土", "青山社区垃圾点"),
]

# A quoted shop name, and a second place listed after the first that says more about it.
QUOTED_AND_LISTED = [
    ("金水路“阿福”面馆门前污水横流", "金水路“阿福”面馆门前"),
    ("青松街、白杨路路口有人摆摊", "青松街、白杨路路口"),
    ("丰收路北段,阳光小区东门有个大坑", "丰收路北段,阳光小区东门"),
    ("枫桥新村,百花大厦后面堆满了建筑垃圾", "枫桥新村,百花大厦后面"),
]

# A city's nickname (省城, 江城) and a 社区 are areas: a spot named after them wins.
AREAS_BEFORE_THE_SPOT = [
    ("省城的李女士反映，在桃源路一处工地外墙上贴满广告", "桃源路一处工地外墙"),
    ("勤奋的江城人反映称，农机学校斜对面公交站牌玻璃碎了", "农机学校斜对面公交站牌"),
    ("前进社区收到居民反映：青松苑小区的烧烤店油烟扰民", "青松苑小区的烧烤店"),
    ("万达新城门口有人摆摊", "万达新城门口"),
    ("20天前，人民路口最东侧快车道路面下陷", "人民路口最东侧快车道"),
]

# Things at a place that people point at with 的: road markings, culverts, sites, gates.
THINGS_AT_A_PLACE = [
    ("青山路的一处斑马线被车压坏了", "青山路的一处斑马线"),
    ("铁路桥与滨江路交叉口的涵洞前积水很深", "铁路桥与滨江路交叉口的涵洞前"),
    ("光明大道的金辉国际工地门前堆满渣土", "光明大道的金辉国际工地门前"),
    ("文化路与新华街的丁字路口红绿灯坏了", "文化路与新华街的丁字路口"),
    ("实验小学的校门口每天堵车", "实验小学的校门口"),
    ("石桥村至高家湾的公路坑坑洼洼", "石桥村至高家湾的公路"),
    ("北部湾一号3期在建工地围挡破损", "北部湾一号3期在建工地"),
    # a shop right after a place may have a longer name; a side gate (西大门)
    ("建设大道与民主路交叉口金色年华KTV门前堆满垃圾", "建设大道与民主路交叉口金色年华KTV门前"),
    ("胜利北路张记早餐店前污水横流", "胜利北路张记早餐店前"),
    ("翠湖公园西大门内有个井盖坏了", "翠湖公园西大门内"),
]

# Names the rules used to cut or skip: 商住 holds 住, 三马路 is a road, a spot before 记者.
NAMES_KEPT_WHOLE = [
    ("绿洲商住小区工地晚上还在施工", "绿洲商住小区工地"),
    ("一辆货车占据了三马路一侧的车道", "三马路一侧"),
    ("在青禾社区附近记者看到墙面斑驳", "青禾社区附近"),
    ("前进社区工作人员接到反映,翠竹园5幢2单元煤气泄漏", "翠竹园5幢2单元"),
    ("我是水利局宿舍的居民,小区垃圾没人清", "水利局宿舍"),
    ("华庭B-02地块现场黄土裸露", "华庭B-02地块"),
    ("江口城区很多井盖下陷", "江口城区"),
    ("八一路有个井盖坏了", "八一路"),
    # a number in a name stays (8号, 12号); 见 of 远见 is no stop word
    ("家住阳光水岸8号小区的业主反映电梯坏了", "阳光水岸8号小区"),
    ("12号居民楼小广告泛滥", "12号居民楼"),
    ("远见名苑小区的居民反映私家车乱停", "远见名苑小区"),
    # 来 and 也 inside brand and estate names (嘉来, 维也纳) are no stop words
    ("嘉来花园3栋门口垃圾成堆", "嘉来花园3栋门口"),
    ("玉林路维也纳酒店门口有人摆摊", "玉林路维也纳酒店门口"),
    # a patrol's unit, a hotline's office and a cause are not the spot
    ("北林路办事处巡防中队队员巡逻至花园路与广电路口时看到有人倒垃圾", "花园路与广电路口"),
    ("市城管诉求受理中心接到投诉，兰田街32号楼下有人占道", "兰田街32号楼下"),
    ("因地铁施工，中山大道高架桥下的绿化带被毁", "中山大道高架桥下的绿化带"),
    ("建设一路路灯不亮", "建设一路"),
]

# The way along a place (往…方向, 由东向西), a bracket naming more, a thing pointed at.
WAYS_AND_BRACKETS = [
    ("长江大桥往江北方向每天都有电瓶车", "长江大桥往江北方向"),
    ("枫林路由东向西车道货车逆行", "枫林路由东向西车道"),
    ("松山路百货大楼往火车站方向约300米处路面塌陷", "松山路百货大楼往火车站方向约300米处"),
    ("解放路南段(人民公园西)有人摆摊", "解放路南段(人民公园西)"),
    ("翠竹家园(二期)垃圾没人清", "翠竹家园(二期)"),
    ("幸福村委会旁边的这条河道又脏又臭", "幸福村委会旁边的这条河道"),
    ("体育场路的几个公交车站都没有顶棚", "体育场路的几个公交车站"),
]

CASES = [
    *PARTS_AND_SIDES,
    *WAYS_AND_BRACKETS,
    *NAMES_KEPT_WHOLE,
    *THINGS_AT_A_PLACE,
    *AREAS_BEFORE_THE_SPOT,
    *QUOTED_AND_LISTED,
    *ROADS_AND_CROSSINGS,
    *ESTATES_AND_BUILDINGS,
    *SHOPS_AND_LANDMARKS,
    *VILLAGES,
    *BUS_STOPS,
    *CODED_NAMES,
    *PLACE_AFTER_PROBLEM,
    *SUBJECT_LINES_AND_LETTERS,
    *PROVINCES,
    *REPORTER_UNITS,
    *REAL_TEXT_FORMS,
]


@pytest.mark.parametrize(("text", "want"), CASES)
def test_place_as_people_write_it(places: PlaceExtractor, text: str, want: str) -> None:
    _check(places, text, want)


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("府前街与南环路交叉口东北角有人摆摊卖水果", "府前街与南环路交叉口东北角"),
        ("幸福里小区3号楼2单元门口堆满杂物", "幸福里小区3号楼2单元门口"),
        ("新华书店门口好多共享单车倒了一地", "新华书店门口"),
        ("我现在在杏林村东头", "杏林村东头"),
        ("人民医院附近有人乱扔垃圾", "人民医院附近"),
        ("关于XX路段夜间施工噪音扰民的投诉", "XX路段"),
        ("地铁站B口共享单车乱停", "地铁站B口"),
    ],
)
def test_exact_phrase(places: PlaceExtractor, text: str, want: str) -> None:
    """The phrase itself, without 在 before it; 附近 stays, as people write it: a place near
    the hospital is not the hospital, and labels that keep it are still inside the phrase."""
    assert places.extract(text) == want


@pytest.mark.parametrize(
    "text",
    [
        "楼道里堆满了杂物",
        "小区内有人遛狗不拴绳",
        "我家楼下有人烧烤油烟很大",
        "路边有辆车停了好几天",
        "垃圾桶满了没人清理",
        "井盖丢了 太危险了",
        "马路上有个大坑",
        "这条街上全是小广告",
        "门口的共享单车乱停",
        "楼下的路灯坏了",
        "小区里有人私搭乱建",
        "电线垂到地上了很危险",
        "我们村的路灯不亮",
        "路面垮塌了一个大坑",
        "对面有人在烧垃圾",
        "垃圾桶旁边扔了一个旧沙发",
        "那辆灰色面包车已经在人行道上停三天了",
        "窨井没了盖子",
        "树枝快断了 下面天天有人走",
        "这个路段晚上太黑了",
        "城管部门敷衍答复",
        "养犬登记在哪里办",
        "商贩占道经营太严重了",
        "我也不知道该找谁",
        "有一栋楼的外墙掉皮了",
        # parts of a place make none alone
        "工地围挡长期未拆",
        "在水产区域有人宰杀活禽",
        "楼下门面装修",
        "水坑边缘有些碎石",
        # a part of the city is no place; a time is not a place before which something lies
        "市区部分路段下水道堵了",
        "3年前就反映过井盖的事",
        "四车道变成两车道以后天天堵",
        # words that end in 路 or 街 without naming one, and one's own door
        "楼道里的电路老化了",
        "每天扫街的师傅说狗太多",
        "这是我们的必经之路却堆满垃圾",
        "一楼住户在自家门前搭了棚子",
        "经常来公园锻炼的陈女士说栈道破了",
        "有3个小区垃圾没人清",
        # a thing counted is no place named; 短路 is no road
        "公共厕所一共三间，两间大门紧锁",
        "线路短路导致路灯不亮",
        "学校外面有人摆摊",
        "记者走访城区发现很多井盖下陷",
    ],
)
def test_no_place(places: PlaceExtractor, text: str) -> None:
    assert places.extract(text) is None


@pytest.mark.parametrize(
    ("text", "want"),
    [
        # the same place again, a thing at it, a long list: only the first place, or one more
        ("花园小区，小区门口的垃圾没人清", "花园小区"),
        ("迎宾路,一个井盖坏了", "迎宾路"),
        ("东风路、西湖路、南山路、北海路都有人摆摊", "东风路、西湖路"),
        # a quoted name after an area is a platform, not a shop there
        ("网友在长宁县“便民论坛”反映垃圾没人清", "长宁县"),
    ],
)
def test_a_listed_place_stops_where_the_place_does(places: PlaceExtractor, text: str, want: str) -> None:
    assert places.extract(text) == want


def test_a_form_line_break_joins_the_road_and_the_spot(parser: MessageParser) -> None:
    """ "同心路⏎中国银行门口…": the spot on the second line refines the road on the first."""
    assert parser.locate("建设路\n人民银行门口有人乱停车") == "建设路 人民银行门口"


def test_the_name_span_is_the_proper_name_only(places: PlaceExtractor) -> None:
    """The parser does not score words inside the name span, so it must not reach the problem."""
    place = places.locate("共享单车倒在人民路口")
    assert place is not None and place.name is not None
    text = "共享单车倒在人民路口"
    assert "共享单车" not in text[place.name[0] : place.name[1]]


def test_parser_keeps_the_place_as_written(parser: MessageParser) -> None:
    """Through the whole parser: synonyms are folded for scoring, the place stays as typed."""
    parsed = parser.parse("幸福里小区3号楼2单元楼道里堆满了拉圾")
    assert parsed.is_report
    assert (parsed.problems[0].location or "").startswith("幸福里小区3号楼2单元")


def test_a_follow_up_line_names_its_place(parser: MessageParser) -> None:
    assert parser.locate("在3号楼北边") == "3号楼北边"
