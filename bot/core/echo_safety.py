"""Text a group member wrote, made safe to echo back into the bot's own messages.

Anyone in a group can type anything; the bot repeats parts of it (the place of a report, a
reason, a name) in replies, reminders and digests, which the platforms render as text or
markdown. Echoed text must not @ everyone (`@所有人`, `@all`, Feishu's `<at user_id="all">`,
WeCom's `<@all>`), nor add headings, links, HTML or new lines to the bot's layout. This is
the one place that decides how:

- `echo(text)` for a fragment written by a user: one line, no mention sign, no markdown or
  HTML structure (the characters are swapped for their full-width look-alikes, so it still
  reads the same).
- `no_mass_mentions(text)` for a whole outgoing message, as the platform renderers' last
  guard: the bot never @s everyone, whatever reached the text.
- `no_live_markdown(text)` for a whole message a platform renders as markdown (DingTalk and
  WeCom markdown): the bot writes no links, images or HTML of its own, so any that reached
  the text came from a user (issue 14: `[点我领奖](http://…)` from a web form) and is disarmed.
"""

from __future__ import annotations

import re

# Characters that carry structure in markdown / HTML / the platforms' mention syntax.
_LOOKALIKES = str.maketrans(
    {
        "@": "﹫",  # small commercial at: reads as @, mentions nobody
        "＠": "﹫",
        "<": "＜",
        ">": "＞",
        "[": "［",
        "]": "］",
        "#": "＃",
        "*": "＊",
        "`": "｀",
    }
)
# Line breaks of every kind, and other control / invisible formatting characters.
_BREAKS = re.compile(r"[\r\n\u0085\u2028\u2029\x0b\x0c]+")
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
_SPACES = re.compile(r"[ \t\u3000]{2,}")

# Whole-message guard: forms of "everyone" the platforms act on.
_MASS_MENTION = re.compile(
    r"<\s*at\b[^>]*\b(?:user_id|id|open_id)\s*=\s*[\"']?\s*(?:all|-1)\b[^>]*>(?:[^<]*<\s*/\s*at\s*>)?"
    r"|<@\s*(?:all|-1)\s*>"
    r"|[@＠](?=\s*(?:所有人|全体成员|全体|all\b|everyone\b|here\b|channel\b))",
    re.IGNORECASE,
)

# Markdown links and images `[text](url)` / `![alt](url)`, reference links `[text][ref]` and
# their definitions, autolinks `<http://…>`, and HTML tags other than the platforms' <at>/<@>.
_LIVE_MARKDOWN = re.compile(
    r"!?\[[^\]\n]*\][ \t]*(?:\([^)\n]*\)|\[[^\]\n]*\])"
    r"|^[ \t]*\[[^\]\n]+\]:[ \t]*\S+.*$"
    r"|<(?!/?at\b|@)/?[A-Za-z][^>\n]*>",
    re.IGNORECASE | re.MULTILINE,
)

ECHO_LIMIT = 500


def echo(text: str | None, limit: int = ECHO_LIMIT) -> str:
    """A user's fragment as one inert line (at most `limit` characters)."""
    if not text:
        return ""
    line = _CONTROLS.sub("", _BREAKS.sub(" ", text))
    line = _SPACES.sub(" ", line.translate(_LOOKALIKES)).strip()
    if len(line) > limit:
        line = line[: limit - 1] + "…"
    return line


def no_mass_mentions(text: str) -> str:
    """The whole message with every @-everyone form disarmed (the bot's own @s are kept)."""
    return _MASS_MENTION.sub(lambda m: echo(m.group(0)) if m.group(0).startswith("<") else "﹫", text)


def no_live_markdown(text: str) -> str:
    """The message with every user-made link, image and HTML tag shown as inert text."""
    return _LIVE_MARKDOWN.sub(lambda m: echo(m.group(0)).replace("(", "（").replace(")", "）").replace(":", "："), text)
