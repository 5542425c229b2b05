"""Usage errors and help in the user's language: click's own messages ("No such option",
"Missing option" …) translated where their form is known, kept in English otherwise, and
always under a Chinese or English heading; the help panels' titles likewise."""

from __future__ import annotations

import os
import re

try:
    from typer._click import exceptions as errors  # typer ≥ 0.26 vendors click
except ImportError:  # older typer: click itself
    from click import exceptions as errors  # type: ignore[no-redef]

from ..text import Text
from .options import emit_json, err

ABORTED = Text("已中止。", "Aborted.")
_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"No such option: (\S+?)(?: Did you mean (\S+)\?| \(Possible options: (.+)\))?$"),
     "没有这个选项：{0}{1}"),
    (re.compile(r"Missing option (.+)\.$"), "缺少必需的选项 {0}"),
    (re.compile(r"Missing argument (.+)\.$"), "缺少参数 {0}"),
    # click names an option's environment variable inside the hint: (env var: 'X')
    (re.compile(r"Invalid value for (.+?(?: \(env var: '[^']*'\))?): (.+)$"), "{0} 的值无效：{1}"),
    (re.compile(r"Got unexpected extra arguments? \((.+)\)$"), "多余的参数：{0}"),
    (re.compile(r"Option (.+) requires an argument\.$"), "选项 {0} 需要一个值"),
    (re.compile(r"Option (.+) requires (\d+) arguments\.$"), "选项 {0} 需要 {1} 个值"),
    (re.compile(r"No such command (.+?)\.(?: Did you mean (.+)\?)?$"), "没有这个命令：{0}{1}"),
    (re.compile(r"Option (.+) does not take a value\.$"), "选项 {0} 不接受值"),
]
_VALUES = [  # click's words inside an 'Invalid value' message
    (re.compile(r"(\S+) is not in the range (.+)\.$"), "{0} 不在范围 {1} 内"),
    (re.compile(r"(.+) is not a valid (integer|float)( range)?\.$"), "{0} 不是有效的数字"),
    (re.compile(r"(.+) is not one of (.+)\.$"), "{0} 不是以下之一：{1}"),
    (re.compile(r"(.+) is not a valid boolean\.$"), "{0} 不是有效的是/否值"),
    (re.compile(r"(.+) contains a NUL byte; no file name can\.$"), "{0} 含有 NUL 字节，不可能是文件名"),
]


def language(args: list[str]) -> str:
    """The language a command line asks for (--lang/-l, else FIRECHECK_LANG, else zh; a
    language firecheck does not speak, such as --lang fr, asks for none)."""
    for i, arg in enumerate(args):
        asked = args[i + 1] if arg in ("--lang", "-l") and i + 1 < len(args) else (
            arg.split("=", 1)[1] if arg.startswith("--lang=") else None)
        if asked in ("zh", "en"):
            return asked
    return "en" if os.environ.get("FIRECHECK_LANG") == "en" else "zh"


def localise_help(lang: str, args: list[str]) -> None:
    """The titles of the help panels in ``lang``, when the command line may show help (a
    help option, or at most a command's name): typer's panels and the markdown and
    traceback modules they bring cost a single check ~50 ms."""
    if not ({"--help", "-h"} & set(args) or sum(not a.startswith("-") for a in args) <= 1):
        return
    import typer.rich_utils as panels

    zh = lang == "zh"
    panels.ARGUMENTS_PANEL_TITLE = "参数 · Arguments" if zh else "Arguments"
    panels.OPTIONS_PANEL_TITLE = "选项 · Options" if zh else "Options"
    panels.COMMANDS_PANEL_TITLE = "命令 · Commands" if zh else "Commands"


def translate(message: str) -> str:
    """click's English message in Chinese where its form is known, else as it is."""
    for pattern, form in _PATTERNS:
        if match := pattern.match(message.strip()):
            parts = [g or "" for g in match.groups()]
            if form.startswith("没有这个") and len(parts) > 1:
                suggested = parts[1] or (parts[2] if len(parts) > 2 else "")
                parts[1] = f"。是否要用 {suggested}？" if suggested else ""
            if form.startswith("{0} 的值无效"):
                parts[0] = re.sub(r" \(env var: ('[^']*')\)$", r"（环境变量 \1）", parts[0])
                parts[1] = _value(parts[1])
            return form.format(*parts)
    return message


def _value(message: str) -> str:
    for pattern, form in _VALUES:
        if match := pattern.match(message.strip()):
            return form.format(*match.groups())
    return message


def report(exc: errors.ClickException, lang: str, as_json: bool) -> None:
    """A usage error: the command's usage line, the message and where help is (stderr);
    with --json also the error object (stdout)."""
    message = exc.format_message()
    zh = translate(message)
    if as_json:
        from ..views.json import ERROR_SCHEMA

        emit_json({"schema": ERROR_SCHEMA, "code": "usage_error", "message_zh": zh,
                   "message_en": message})
    ctx = getattr(exc, "ctx", None)
    if ctx is not None:
        path = ctx.command_path
        err.print(f"{'用法' if lang == 'zh' else 'Usage'}: {ctx.get_usage().split(':', 1)[-1].strip()}",
                  markup=False, highlight=False)
        err.print(f"运行 '{path} --help' 查看帮助。" if lang == "zh" else f"Try '{path} --help' for help.",
                  markup=False, highlight=False)
    kind = "用法错误" if lang == "zh" else "usage error"
    err.print(f"firecheck: {kind}: {zh if lang == 'zh' else message}", markup=False,
              highlight=False, style="red")
