"""``firecheck zones``: show the zones file, validate one, import official data."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from ..errors import DataError, InputError
from ..files import read_regular, same_file
from ..parse.localtime import local_today
from ..rules.model import RuleSet
from ..text import Text, say
from ..views.json import zone_dict
from ..zones import file as zonefile
from ..zones.load import default_zones_path, parse_json
from .options import (
    EXIT_DATA,
    PATH,
    JsonOpt,
    Lang,
    LangOpt,
    ZonesOpt,
    app,
    emit_json,
    err,
    guarded,
    named_zones,
    out,
    rule_set,
)

zones_app = typer.Typer(help="The zones file: show it, validate a file, import official data.",
                        no_args_is_help=False)


@zones_app.callback(invoke_without_command=True)
@guarded
def zones(ctx: typer.Context, as_json: JsonOpt = False, lang: LangOpt = Lang.zh,
          zones_file: ZonesOpt = None) -> None:
    """Show the loaded zones file: its hash, and each zone's geometry, accuracy and source.

    Examples:

      firecheck zones

      firecheck zones --zones official.geojson --json
    """
    from ..views import terminal

    if ctx.invoked_subcommand is not None:
        return
    data = named_zones(zones_file, lang.value)
    if as_json:
        emit_json({"file": data.path, "version": data.version,
                    "zones": [zone_dict(z, data) for z in data.zones]}, "firecheck/zones/1")
    else:
        terminal.zones(out, data, lang.value)


@zones_app.command("validate")
@guarded
def zones_validate(
    file: Annotated[Path, typer.Argument(help="A zones GeoJSON file.", show_default=False,
                                         click_type=PATH)],
    fix: Annotated[bool, typer.Option("--fix", help="Repair invalid geometries (make_valid) "
                                      "and write the result with -o.")] = False,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Where --fix writes.",
                                                show_default=False, click_type=PATH)] = None,
    as_json: JsonOpt = False,
    lang: LangOpt = Lang.zh,
) -> None:
    """Every problem of a zones file, with feature index, id and reason. Exit 3 on errors.

    Examples:

      firecheck zones validate official.geojson

      firecheck zones validate official.geojson --fix -o official-fixed.geojson
    """
    from ..views import terminal

    if fix and output is None:
        raise InputError("--fix 需要用 -o 指定输出文件", "--fix needs -o FILE for the repaired zones")
    data = parse_json(_read(file), file)
    problems, _ = zonefile.check(data, fix=fix)
    problems += _unknown_designations(data, rule_set(None))
    bad = zonefile.errors(problems)
    if as_json:
        emit_json({"file": str(file), "errors": len(bad), "warnings": len(problems) - len(bad),
                    "problems": [p.to_dict() for p in problems]}, "firecheck/zones-validate/1")
    else:
        terminal.problems(out, problems, lang.value)
    if fix and output is not None and not bad:
        zonefile.write(data, output)
    if bad:
        raise typer.Exit(EXIT_DATA)


@zones_app.command("import")
@guarded
def zones_import(
    files: Annotated[list[Path], typer.Argument(
        help="GeoJSON (DataV too), Shapefile (.shp with .dbf/.prj, or zipped), KML/KMZ, 奥维 "
        ".ovkml, GPX; GeoPackage, File Geodatabase, MapInfo, DXF with the gis extra.",
        show_default=False, click_type=PATH)],
    output: Annotated[Path, typer.Option("--output", "-o", help="The zones file to write.",
                                         show_default=False, click_type=PATH)],
    designation: Annotated[str | None, typer.Option(
        "--designation", help="Zone of the notice the features belong to, e.g. "
        "grassland-subsidy-areas (see 'firecheck zones').", show_default=False)] = None,
    designation_field: Annotated[str | None, typer.Option(
        "--designation-field", help="Attribute holding each feature's designation.",
        show_default=False)] = None,
    id_field: Annotated[str | None, typer.Option("--id-field", help="Attribute for the id.",
                                                 show_default=False)] = None,
    name_field: Annotated[str | None, typer.Option(
        "--name-field", help="Attribute for the Chinese name.", show_default=False)] = None,
    name_en_field: Annotated[str | None, typer.Option(
        "--name-en-field", help="Attribute for the English name.", show_default=False)] = None,
    kind: Annotated[str | None, typer.Option("--kind", help="Zone kind (default: the "
                                             "designation).", show_default=False)] = None,
    crs: Annotated[str | None, typer.Option(
        "--crs", help="Source CRS when the file does not say (or says wrong), e.g. EPSG:4490, "
        "EPSG:4546.", show_default=False)] = None,
    datum: Annotated[str | None, typer.Option(
        "--datum", help="Web-map datum of the coordinates: gcj02 (Amap, Tencent, DataV, 奥维), "
        "bd09 (Baidu) or wgs84.", show_default=False)] = None,
    towgs84: Annotated[str | None, typer.Option(
        "--towgs84", help="The survey's parameters to WGS-84 for Beijing 1954 / Xian 1980 data: "
        "dx,dy,dz[,rx,ry,rz,s] (m, arc-seconds, ppm).", show_default=False)] = None,
    datum_accuracy: Annotated[float | None, typer.Option(
        "--datum-accuracy", min=0.0, max=10_000.0, help="Datum uncertainty (m) to add to the "
        "accuracy, as stated by the survey.", show_default=False)] = None,
    encoding: Annotated[str | None, typer.Option(
        "--encoding", help="Shapefile .dbf encoding (default: .cpg checked against the text, "
        "else UTF-8 or GBK by the text).", show_default=False)] = None,
    layer: Annotated[str | None, typer.Option(
        "--layer", help="Layer of a zip, GeoPackage or geodatabase holding several.",
        show_default=False)] = None,
    where: Annotated[list[str] | None, typer.Option(
        "--where", help="Keep features with FIELD=VALUE, e.g. name=固阳县 (repeatable).",
        show_default=False)] = None,
    clip_county: Annotated[bool, typer.Option(
        "--clip-county", help="Keep what reaches the county, cut at its accuracy plus the "
        "buffer.")] = False,
    accuracy: Annotated[float | None, typer.Option(
        "--accuracy", min=0.0, help="How far (m) the drawn lines may be from the true ones.",
        show_default=False)] = None,
    scale: Annotated[int | None, typer.Option(
        "--scale", min=1, help="Survey scale 1:N (accuracy = 0.5 mm at that scale).",
        show_default=False)] = None,
    buffer: Annotated[float, typer.Option("--buffer", min=0.0,
                                          help="Buffer (m) of the fire ban.")] = 500.0,
    mapping_file: Annotated[Path | None, typer.Option(
        "--mapping", help="TOML/JSON file with any of these options.", show_default=False,
        click_type=PATH)] = None,
    county_only: Annotated[bool, typer.Option(
        "--county-only", help="Start from the base's county line only, not all its "
        "zones.")] = False,
    zones_file: ZonesOpt = None,
    lang: LangOpt = Lang.zh,
) -> None:
    """Import official zone boundaries and write a checked zones file.

    Examples:

      firecheck zones import 草原奖补区.shp --designation grassland-subsidy-areas
      --scale 10000 -o zones.geojson

      firecheck zones import 包头市.json --where name=固阳县 --datum gcj02 --designation county
      --kind county_boundary --accuracy 100 -o zones.geojson
    """
    from ..views import terminal
    from ..zones.importer import ImportOptions, import_files  # readers only when importing

    values = {"designation": designation, "designation_field": designation_field,
              "id_field": id_field, "name_field": name_field, "name_en_field": name_en_field,
              "kind": kind, "crs": crs, "datum": datum, "towgs84": towgs84,
              "datum_accuracy": datum_accuracy, "encoding": encoding, "layer": layer,
              "where": where or [], "clip_county": clip_county, "accuracy_m": accuracy,
              "scale": scale, "buffer_m": buffer, "today": local_today()}
    options = (ImportOptions.from_mapping_file(mapping_file, **values) if mapping_file
               else ImportOptions(**{k: v for k, v in values.items() if v is not None}))
    if (source := same_file(str(output), [
            f.with_suffix(x) for f in files for x in ("", ".shp", ".shx", ".dbf", ".prj", ".cpg")
            if f.suffix.lower() == ".shp" or x == ""])) is not None:
        raise InputError(f"-o {output} 就是要导入的文件 {source}：不能覆盖它",
                         f"-o {output} is the file being imported ({source}): it must not be "
                         "overwritten")
    base_path = zones_file or default_zones_path()
    base = parse_json(_read(base_path), base_path)
    if not isinstance(base, dict) or not isinstance(base.get("features"), list):
        raise DataError(f"{base_path}：不是 GeoJSON FeatureCollection",
                        f"{base_path}: not a GeoJSON FeatureCollection")
    if county_only:
        base["features"] = [f for f in base["features"]
                            if zonefile.properties(f).get("kind") == zonefile.COUNTY_KIND]
    result = import_files(files, options, base)
    imported = result["firecheck"]["imports"][-len(files):]
    for entry in imported:
        for warning in entry.get("warnings", []):
            err.print(say(lang.value, f"注意：{entry['file']}：{warning['zh']}",
                          f"warning: {entry['file']}: {warning['en']}"), markup=False)
    problems, _ = zonefile.check(result)
    problems += _unknown_designations(result, rule_set(None))
    if bad := zonefile.errors(problems):
        terminal.problems(err, problems, lang.value)
        raise DataError(f"导入的区域有 {len(bad)} 处错误，未写出文件",
                        f"the imported zones have {len(bad)} error(s); nothing was written")
    zonefile.write(result, output)
    terminal.problems(err, problems, lang.value)
    err.print(say(lang.value, f"已写出 {output}：", f"wrote {output}: ") + ", ".join(
        f"{i['file']} ({i['features']}, {i['crs']}, {i['datum'].upper()}, "
        f"±{i['accuracy_m']:g} m)" for i in imported), markup=False)


def _read(path: Path) -> bytes:
    return read_regular(path, Text("区域文件", "zones file"), InputError)


def _unknown_designations(data: dict, rules: RuleSet) -> list[zonefile.Problem]:
    """Warnings for features whose designation no rule refers to (they decide nothing)."""
    known = {z for rule in rules.rules for z in rule.zones} | {"county"}
    return [zonefile.Problem(i, str(props.get("id")), "warning", "unknown_designation",
                             Text(f"所属区域 {props.get('designation')!r} 不在任何规则的区域清单中，"
                                  "不会影响结论", f"designation {props.get('designation')!r} is "
                                  "not a zone any rule lists; it will not decide anything"))
            for i, f in enumerate(_features(data))
            if (props := zonefile.properties(f)) and props.get("designation") not in known
            and props.get("kind") != zonefile.COUNTY_KIND]


def _features(data: Any) -> list[Any]:
    """The features of a parsed zones document ([] when it has no list of them)."""
    features = data.get("features") if isinstance(data, dict) else None
    return features if isinstance(features, list) else []


app.add_typer(zones_app, name="zones")
