"""The safe production default: `guanjia serve` beyond loopback refuses to start open.

Why: the quick start runs with an unsigned generic webhook, an open /api and a random web key,
which is fine on 127.0.0.1 and a disaster on a public address (anyone could post as the 创城办,
read every ticket, or outlive a restart's sessions). So a non-loopback bind needs every guard
set; `--insecure-dev` starts anyway, with a loud warning, for a trusted LAN demo.
"""

from __future__ import annotations

from bot.core.serving import is_loopback
from config.settings import Settings

__all__ = ["insecure_warning", "is_loopback", "missing_guards", "refusal"]


def missing_guards(settings: Settings) -> list[str]:
    """One line per setting a server reachable from other machines must have (empty: all set)."""
    missing: list[str] = []
    if settings.generic_webhook_enabled and settings.generic_secret is None:
        missing.append(
            "GUANJIA_GENERIC_SECRET 未设置：任何人都能冒充任何人（包括创城办）向 /webhook/generic 发消息"
            "（或设 GUANJIA_GENERIC_WEBHOOK_ENABLED=false 关闭通用接口）"
        )
    if settings.api_token is None:
        missing.append("GUANJIA_API_TOKEN 未设置：/api/*（全部工单、台账导出）和 /metrics 对任何人开放")
    if settings.web_secret_key is None:
        missing.append("GUANJIA_WEB_SECRET_KEY 未设置：网页登录和分享链接的签名密钥不能依赖本机随机文件")
    return missing


def refusal(host: str, settings: Settings) -> str | None:
    """The message that stops `serve` on `host`, or None when it may start."""
    if is_loopback(host):
        return None
    missing = missing_guards(settings)
    if not missing:
        return None
    lines = [f"拒绝在 {host} 上启动：监听非本机地址时必须设置以下配置（仅本机试用请用 --host 127.0.0.1）："]
    lines += [f"  - {line}" for line in missing]
    lines.append("确需在不安全的配置下对外启动（仅限开发测试），加 --insecure-dev。")
    return "\n".join(lines)


def insecure_warning(host: str, settings: Settings) -> str:
    missing = "; ".join(line.split("：", 1)[0] for line in missing_guards(settings))
    return (
        f"!!! 警告 / WARNING: --insecure-dev：在 {host} 上不安全地对外服务（{missing}）。"
        "任何能访问此端口的人都可能冒充他人、读取全部工单。切勿用于生产环境。 !!!"
    )
