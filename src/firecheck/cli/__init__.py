"""The ``firecheck`` command: parses arguments, calls the library, renders the answer.

One module per command or group — :mod:`.check` (check, map), :mod:`.near`, :mod:`.batch`,
:mod:`.zones`, :mod:`.info` (activities, periods, calendar, hotlines, rules) — sharing the
options, exit codes and error handling of :mod:`.options`. Command modules import their
heavy libraries (pyarrow, matplotlib, the batch machinery) only when they run.
"""

from __future__ import annotations

import copy
import os
import sys
import traceback
from typing import Annotated

import typer
from typer.main import get_command_name

from .. import __version__, interrupt
from . import batch, check, info, near, serve, usage, zones  # noqa: F401  (each registers its commands)
from .options import EXIT_CODES, EXIT_INTERNAL, app, err, out

__all__ = ["EXIT_CODES", "app", "run"]


def _print_version(value: bool) -> None:
    if value:
        out.print(f"firecheck {__version__}")
        raise typer.Exit(0)


GUIDE = """[bold]firecheck[/] — 固阳县防火戒严与秸秆禁烧核查 · Guyang fire-ban and straw-ban checks

  firecheck check 41.03,110.05 -a 烧烤 -d 2023-04-01   能否烧烤 · may I barbecue here?
  firecheck check -p 金山镇 -a 秸秆 --lang en            by place name, in English
  firecheck near 41.03,110.05                          最近的区域 · nearest zones
  firecheck calendar 2026 --ics guyang.ics             全年日历 · the year's periods
  firecheck batch permits.csv -o checked.csv           批量核查 · a whole file
  firecheck hotlines                                   举报电话 · whom to call

  firecheck COMMAND --help · 各命令的全部选项与示例 · every option, with examples
"""


@app.callback(invoke_without_command=True)
def _root(
    ctx: typer.Context,
    version: Annotated[bool, typer.Option(
        "--version", callback=_print_version, is_eager=True,
        help="Print the version and exit.")] = False,
) -> None:
    """固阳县防火戒严与秸秆禁烧核查 · Fire-ban and straw-burning-ban checks for Guyang County.

    Add --debug to any command to see a traceback for an internal error.
    """
    if ctx.invoked_subcommand is None:
        out.print(GUIDE, markup=True, soft_wrap=True)  # our own markup, no data


def _invoked(args: list[str]) -> typer.Typer:
    """The app with only the command ``args`` names: typer reads the signature of every
    registered command on each run (25 ms of a single check). The whole app when no
    command is named exactly (``--help``, ``--version``, a typo and its suggestions)."""
    name = args[0] if args else "-"
    commands = [c for c in app.registered_commands
                if (c.name or get_command_name(c.callback.__name__)) == name]  # type: ignore[union-attr]
    groups = [g for g in app.registered_groups if g.name == name]
    if not commands and not groups:
        return app
    only = copy.copy(app)  # the root callback stays: still a group, `firecheck check …`
    only.registered_commands, only.registered_groups = commands, groups
    return only


def run(argv: list[str] | None = None) -> int:
    """Run the command line and return its exit code: no traceback for anything but
    ``--debug`` (or FIRECHECK_DEBUG=1); an unexpected error is a short report and 70."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args or os.environ.get("FIRECHECK_DEBUG") == "1"
    args = [a for a in args if a != "--debug"]
    lang = usage.language(args)
    usage.localise_help(lang, args)
    try:
        code = _invoked(args)(args=args, prog_name="firecheck", standalone_mode=False)
    except usage.errors.ClickException as exc:  # a usage error: in the user's language
        usage.report(exc, lang, as_json="--json" in args)
        return exc.exit_code
    except typer.Abort:
        err.print(usage.ABORTED.get(lang))
        return 1
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    except Exception as exc:  # an internal error: short report, distinct exit code
        if (signum := interrupt.received()) is not None:  # e.g. an import cut short
            raise interrupt.Interrupted(signum) from exc
        if debug:
            traceback.print_exc()
        else:
            err.print(f"firecheck: internal error ({type(exc).__name__}: {exc}). "
                      "Please report it; rerun with --debug for details.")
        return EXIT_INTERNAL
    return code if isinstance(code, int) else 0
