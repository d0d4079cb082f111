"""The exact set of chat verbs: adding, dropping or renaming one is a decision this test records."""

from __future__ import annotations

from bot.app_services import AppServices
from bot.chat.commands import CommandMatch
from bot.chat.text_normalize import command_text
from handlers import COMMAND_MODULES, load_handlers
from tests.support.chat import Chat

# command name → every verb a user may type for it, in registration order.
EXPECTED = {
    "认领": ("认领", "接单", "收到"),
    "完成": (
        "完成",
        "已整改",
        "办结",
        "已完成",
        "整改完成",
        "已处理",
        "已处理完毕",
        "处理完毕",
        "处理完成",
        "处理好了",
        "已清理",
        "已清理完毕",
        "清理完毕",
        "已清运",
        "已修复",
        "已拆除",
        "已解决",
    ),
    "退回": ("退回", "退单"),
    "转派": ("转派", "改派", "派给"),
    "催办": ("催办", "督办"),
    "改类": ("改类", "改分类", "更正类别"),
    "延期": ("延期", "申请延期"),
    "同意延期": ("同意延期", "批准延期"),
    "拒绝延期": ("拒绝延期", "驳回延期"),
    "验收": ("验收",),
    "撤销": ("撤销", "作废"),
    "查询": ("查询", "查看", "进度", "查一下", "查下"),
    "待办": ("待办", "待处理"),
    "我的": ("我的",),
    "超时": ("超时", "超期"),
    "日报": ("日报",),
    "周报": ("周报",),
    "月报": ("月报", "月通报"),
    "立案": ("立案",),
    "不立案": ("不立案",),
    "督查": ("督查", "开始督查"),
    "不合格": ("不合格",),
    "督查结束": ("督查结束", "结束督查"),
    "回头看": ("回头看",),
    "满意": ("满意",),
    "不满意": ("不满意",),
    "迎检模式": ("迎检模式",),
    "帮助": ("帮助", "help", "菜单"),
}


def test_the_registry_holds_exactly_the_expected_commands_and_verbs() -> None:
    registry = load_handlers()
    assert {c.name: c.verbs for c in registry.commands} == EXPECTED
    assert len(registry.commands) == len(EXPECTED)  # no name registered twice


def test_every_handler_module_registers_a_command() -> None:
    modules = {c.func.__module__ for c in load_handlers().commands}
    assert modules == set(COMMAND_MODULES)


def test_the_intake_reads_the_loaded_registry(services: AppServices) -> None:
    assert services.intake.registry is load_handlers()


def test_each_verb_reaches_its_command(services: AppServices) -> None:
    registry = load_handlers()
    for name, verbs in EXPECTED.items():
        command = registry.by_verb(name)
        assert command is not None
        for verb in verbs:
            typed = f"{verb} 12" if command.takes_ticket else verb
            matched = registry.match(command_text(typed, services.cfg.bot_names))
            assert isinstance(matched, CommandMatch), (verb, matched)
            assert matched.command.name == name, verb


def test_help_lists_every_command_the_group_can_type(chat: Chat) -> None:
    text = chat.say("帮助")
    listed = [line for line in text.splitlines() if line.startswith("· ")]
    assert len(listed) == len(EXPECTED)
    for command in load_handlers().commands:
        assert any(line.startswith(f"· {command.usage} —— ") for line in listed), command.name
