"""What every firecheck command shares: the app, consoles, options, error handling, and
loading the data the options name.

Exit codes: 0 allowed · 10 prohibited · 11 permit required · 12 uncertain · 13 out of
scope · 2 usage or input error · 3 bad rules/zones data · 70 internal error; ``batch``
exits 1 when a row matches ``--fail-on``.
"""

from __future__ import annotations

import contextlib
import functools
import json
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

try:
    from typer._click.types import ParamType  # typer ≥ 0.26 vendors click
except ImportError:  # older typer: click itself
    from click.types import ParamType  # type: ignore[no-redef]

from ..errors import DataError, FirecheckError, InputError
from ..files import same_file
from ..rules.loader import load_rules
from ..rules.model import RuleSet
from ..text import say
from ..views.console import STDOUT, LazyConsole
from ..zones.load import load_zones
from ..zones.model import ZoneSet

if TYPE_CHECKING:
    from rich.console import Console

EXIT_FAIL_ON = 1
EXIT_CODES = {"allowed": 0, "prohibited": 10, "permit_required": 11, "uncertain": 12,
              "out_of_scope": 13}
EXIT_INPUT, EXIT_DATA, EXIT_INTERNAL = 2, 3, 70

app = typer.Typer(
    name="firecheck",
    help="固阳县防火戒严与秸秆禁烧核查 · Fire-ban and straw-burning-ban checks for Guyang County.",
    no_args_is_help=False,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)
out: Console = LazyConsole(soft_wrap=False)  # type: ignore[assignment]
err: Console = LazyConsole(stderr=True)  # type: ignore[assignment]


class Lang(StrEnum):
    zh = "zh"
    en = "en"


class Actor(StrEnum):
    individual = "individual"
    unit = "unit"


class PathType(ParamType):
    """A file or folder name, taken as typed: the file is opened (and its problems reported)
    by the command that needs it. typer's own Path type stats the name first, and a NUL byte
    in it escapes as a ValueError instead of a usage error."""

    name = "path"

    def convert(self, value: Any, param: Any, ctx: Any) -> Path:
        if isinstance(value, Path):
            return value
        if "\x00" in str(value):
            self.fail(f"{str(value)!r} contains a NUL byte; no file name can.", param, ctx)
        return Path(value)


PATH = PathType()

LangOpt = Annotated[Lang, typer.Option("--lang", "-l", envvar="FIRECHECK_LANG",
                                       help="Output language: zh (中文) or en.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the stable JSON form to stdout.")]
ZonesOpt = Annotated[Path | None, typer.Option(
    "--zones", envvar="FIRECHECK_ZONES", help="Zones GeoJSON to use instead of the shipped one.",
    click_type=PATH)]
RulesOpt = Annotated[list[Path] | None, typer.Option(
    "--rules", help="Extra rules file or directory (e.g. a new year's notice); repeatable.",
    click_type=PATH)]
AsOfOpt = Annotated[list[Path] | None, typer.Option(
    "--as-of-rules", help="Use exactly these rules files or directories instead of the shipped "
    "ones (replay an old decision; see 'firecheck rules --export'); repeatable.", click_type=PATH)]

PlaceArg = Annotated[str | None, typer.Argument(
    help="Place as 'lat,lon' (decimal or DMS, e.g. 41.03,110.05 or 41°02′N 110°03′E).",
    show_default=False)]
PlaceNameOpt = Annotated[str | None, typer.Option(
    "--place", "-p", help="A place name instead of coordinates (金山镇, Xidoupu, 红泥井, a "
    "zone name); its own accuracy is used.", show_default=False)]
LatOpt = Annotated[str | None, typer.Option("--lat", help="Latitude (instead of PLACE).",
                                            show_default=False)]
LonOpt = Annotated[str | None, typer.Option("--lon", help="Longitude (instead of PLACE).",
                                            show_default=False)]
DatumOpt = Annotated[str, typer.Option(
    "--datum", help="Datum of the input: wgs84 (GPS), gcj02 (Amap/Tencent/WeChat), "
    "bd09 (Baidu).")]
AccuracyOpt = Annotated[float, typer.Option(
    "--accuracy", help="How far (m) the true position may be from the given one.", min=0.0)]
LandOpt = Annotated[str | None, typer.Option(
    "--land", help="What the land here is, as you know it: forest (林地), grassland (草原), "
    "farmland (农田), built-up (城镇), water (水域). Recorded as stated by you.",
    show_default=False)]
InZoneOpt = Annotated[list[str] | None, typer.Option(
    "--in-zone", help="A zone you know the place is inside (id or name: 春坤山, 秦长城, "
    "大青山 …); repeatable. Recorded as stated by you; coordinates become optional.",
    show_default=False)]

F = TypeVar("F", bound=Callable[..., Any])


def guarded(command: F) -> F:
    """Turn user and data errors into a message and a documented exit code."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        lang = getattr(kwargs.get("lang"), "value", "zh")
        try:
            return command(*args, **kwargs)
        except FirecheckError as exc:
            if kwargs.get("as_json"):  # a program reading stdout gets the error object too
                from ..views.json import error_dict

                with contextlib.suppress(FirecheckError):  # stdout itself may be what failed
                    emit_json(error_dict(exc))
            from rich.text import Text as Styled

            kind = say(lang, "数据错误", "data error") if isinstance(exc, DataError) else say(
                lang, "输入错误", "input error")
            err.print(Styled.assemble((f"firecheck: {kind}:", "bold red"), " ", exc.get(lang)))
            raise typer.Exit(EXIT_DATA if isinstance(exc, DataError) else EXIT_INPUT) from None

    return wrapper  # type: ignore[return-value]


def rule_set(rules_paths: list[Path] | None, as_of: list[Path] | None = None) -> RuleSet:
    """The rules the options name: the shipped ones plus --rules, or exactly --as-of-rules."""
    return load_rules(rules_paths or (), replace=as_of or None)


def named_zones(zones_file: Path | None, lang: str) -> ZoneSet:
    """The zones the options name; what its loading noted (a cache not used) on stderr."""
    zones = load_zones(zones_file)
    for note in zones.notes:
        from rich.text import Text as Styled

        err.print(Styled.assemble(("firecheck: ", "yellow"), note.get(lang)))
    return zones


def data(zones_file: Path | None, rules_paths: list[Path] | None,
         as_of: list[Path] | None, lang: str) -> tuple[RuleSet, ZoneSet]:
    """The rules and the zones the options name."""
    return rule_set(rules_paths, as_of), named_zones(zones_file, lang)


def refuse_overwriting(target: Path | str, rules: RuleSet | None = None,
                       zones: ZoneSet | None = None, *others: Path | str) -> None:
    """An InputError if an output file is one of the data files the command reads (a rules
    file, the zones file, or ``others`` such as its input): writing it would destroy them."""
    inputs = [*(rules.paths if rules else ()), *((zones.path,) if zones else ()), *others]
    if (found := same_file(str(target), inputs)) is not None:
        raise InputError(f"输出 {target} 就是正在读取的文件 {found}：不能覆盖它",
                         f"the output {target} is {found}, a file this command reads: it "
                         "must not be overwritten")


def emit_json(value: dict[str, Any], schema: str | None = None) -> None:
    """Machine output: indented JSON on stdout, led by its ``schema`` id (unless the value
    names its own, as a verdict does)."""
    if schema is not None:
        value = {"schema": schema, **value}
    STDOUT.write(json.dumps(value, ensure_ascii=False, indent=2) + "\n")
    STDOUT.flush()
