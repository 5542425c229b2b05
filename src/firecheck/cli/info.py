"""The reference commands: activities, periods, calendar, hotlines, rules."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..files import write_atomically
from ..parse.dates import check_year
from ..parse.localtime import local_today
from ..rules.loader import export_rules
from ..text import say
from ..views.json import (
    ACTIVITIES_SCHEMA,
    HOTLINES_SCHEMA,
    PERIODS_SCHEMA,
    activity_rows,
    document_dict,
    hotline_dict,
    period_rows,
    rule_dict,
    versions,
)
from .options import (
    PATH,
    AsOfOpt,
    JsonOpt,
    Lang,
    LangOpt,
    RulesOpt,
    ZonesOpt,
    app,
    data,
    emit_json,
    err,
    guarded,
    out,
    refuse_overwriting,
    rule_set,
)


@app.command()
@guarded
def activities(as_json: JsonOpt = False, lang: LangOpt = Lang.zh,
               rules_paths: RulesOpt = None) -> None:
    """List the activities firecheck knows, with their aliases and sources.

    Examples:

      firecheck activities

      firecheck activities --json --lang en
    """
    from ..views import terminal

    rules = rule_set(rules_paths)
    if as_json:
        emit_json({"rules_version": rules.version, "activities": activity_rows(rules)},
                  ACTIVITIES_SCHEMA)
    else:
        terminal.activities(out, rules, lang.value)


@app.command()
@guarded
def periods(
    year: Annotated[int | None, typer.Argument(help="Year (default: this year).",
                                               show_default=False)] = None,
    as_json: JsonOpt = False,
    lang: LangOpt = Lang.zh,
    rules_paths: RulesOpt = None,
    as_of: AsOfOpt = None,
) -> None:
    """The fire bans, fire-prevention periods and straw ban in force in YEAR.

    Examples:

      firecheck periods 2023

      firecheck periods 2026 --lang en
    """
    from ..views import terminal

    year = check_year(year or local_today().year)
    rules = rule_set(rules_paths, as_of)
    rows = period_rows(rules, year)
    if as_json:
        emit_json({"year": year, "rules_version": rules.version, "periods": rows},
                  PERIODS_SCHEMA)
    else:
        terminal.periods(out, rows, year, lang.value)


@app.command()
@guarded
def calendar(
    year: Annotated[int | None, typer.Argument(help="Year (default: this year).",
                                               show_default=False)] = None,
    ics: Annotated[Path | None, typer.Option(
        "--ics", help="Also write the periods as an iCalendar file for a phone.",
        show_default=False, click_type=PATH)] = None,
    lang: LangOpt = Lang.zh,
    rules_paths: RulesOpt = None,
    as_of: AsOfOpt = None,
) -> None:
    """A month-by-month view of the year's fire bans, fire-prevention periods and straw ban.

    Examples:

      firecheck calendar 2023

      firecheck calendar 2026 --ics guyang-2026.ics --lang en
    """
    from ..views import terminal

    year = check_year(year or local_today().year)
    rules = rule_set(rules_paths, as_of)
    rows = period_rows(rules, year)
    terminal.calendar(out, rows, year, lang.value)
    if ics is not None:
        from ..views.ics import calendar_ics

        refuse_overwriting(ics, rules)
        data = calendar_ics(rows, year)
        write_atomically(ics, lambda out: out.write(data))
        err.print(say(lang.value, f"已写出 {ics}", f"wrote {ics}"))


@app.command()
@guarded
def hotlines(as_json: JsonOpt = False, lang: LangOpt = Lang.zh,
             rules_paths: RulesOpt = None) -> None:
    """Reporting hotlines published by the notices (dialable numbers).

    Examples:

      firecheck hotlines

      firecheck hotlines --json
    """
    from ..views import terminal

    rules = rule_set(rules_paths)
    if as_json:
        emit_json({"hotlines": [hotline_dict(h) for h in rules.hotlines.values()]},
                  HOTLINES_SCHEMA)
    else:
        terminal.hotlines(out, rules, lang.value)


@app.command(name="rules")
@guarded
def rules_cmd(as_json: JsonOpt = False, lang: LangOpt = Lang.zh,
              rules_paths: RulesOpt = None, as_of: AsOfOpt = None,
              zones_file: ZonesOpt = None,
              export: Annotated[Path | None, typer.Option(
                  "--export", help="Copy the loaded rules files into this directory, to "
                  "replay today's decisions later with --as-of-rules.",
                  show_default=False, click_type=PATH)] = None) -> None:
    """What is loaded: source documents, rules, versions (content hashes).

    Examples:

      firecheck rules

      firecheck rules --export rules-2026-11-29/
    """
    from ..views import terminal

    rules, zone_set = data(zones_file, rules_paths, as_of, lang.value)
    if export is not None:
        export_rules(rules, export)
    if as_json:
        emit_json({
            "versions": versions(rules.version, zone_set.version),
            "files": list(rules.files),
            "documents": [document_dict(d) for d in rules.documents.values()],
            "rules": [rule_dict(r) for r in rules.rules],
        }, "firecheck/rules/1")
    else:
        terminal.rules_summary(out, rules, lang.value)
        out.print(f"zones {zone_set.version} ({zone_set.path})")
