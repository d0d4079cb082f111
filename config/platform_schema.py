"""Config for the chat platforms: per-person platform ids and mobiles, group chat ids, robots.

`people` keeps its simple form (`id: 名字`); a person written as a mapping
(`id: {name, mobile, dingtalk, wecom, feishu, group}`) is split into `people` (the name,
which the rest of the app reads) and `contacts` (everything a platform needs).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

PlatformName = Literal["dingtalk", "wecom", "feishu"]
PLATFORMS: tuple[PlatformName, ...] = ("dingtalk", "wecom", "feishu")
_CONTACT_KEYS = {"mobile", "group", *PLATFORMS}


class ContactConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    mobile: str | None = None
    # The person's id on each platform, the kind that holds across apps: DingTalk userId (staffId),
    # WeCom userid, Feishu user_id (or union_id, or the app's open_id); README "Which id to put in people".
    dingtalk: str | None = None
    wecom: str | None = None
    feishu: str | None = None
    # The group a private (1:1) message to the bot counts as written in.
    group: str | None = None

    def platform_id(self, platform: str) -> str | None:
        value = getattr(self, platform, None) if platform in PLATFORMS else None
        return value if isinstance(value, str) and value else None


def split_people(data: Any) -> Any:
    """Turn `people: {id: {name, ...}}` entries into `people: {id: name}` + `contacts: {id: {...}}`."""
    if not isinstance(data, dict) or not isinstance(data.get("people"), dict):
        return data
    names: dict[str, Any] = {}
    contacts: dict[str, Any] = dict(data.get("contacts") or {})
    for person, entry in data["people"].items():
        if not isinstance(entry, dict):
            names[person] = entry
            continue
        unknown = sorted(set(entry) - _CONTACT_KEYS - {"name"})
        if unknown:
            allowed = ", ".join(["name", *sorted(_CONTACT_KEYS)])
            raise ValueError(f"people.{person}: unknown key {unknown[0]!r} (allowed: {allowed})")
        if not isinstance(entry.get("name"), str) or not entry["name"]:
            raise ValueError(f"people.{person}.name: required")
        names[person] = entry["name"]
        contact = {k: (str(v) if v is not None else None) for k, v in entry.items() if k != "name"}
        if contact:
            contacts[person] = contact
    return {**data, "people": names, "contacts": contacts}
