"""The OpenAPI 3.1 description of the JSON API (``/api/openapi.json``)."""

from __future__ import annotations

from typing import Any

from .. import __version__

_ERROR = {"description": "The error object", "content": {"application/json": {
    "schema": {"$ref": "#/components/schemas/Error"}}}}


def _param(name: str, description: str, *, required: bool = False, repeat: bool = False,
           where: str = "query") -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    if repeat:
        schema = {"type": "array", "items": schema}
    return {"name": name, "in": where, "required": required, "description": description,
            "schema": schema, **({"explode": True} if repeat else {})}


_CHECK = [
    _param("activity", "Activity id or alias (烧烤, straw, 上坟烧纸 …): see /api/activities.",
           required=True),
    _param("place", "Coordinates 'lat,lon' in any form `check` reads (decimal, DMS, 北纬/东经), "
           "or a place or zone name (no digit)."),
    _param("lat", "Latitude (with lon, instead of place)."),
    _param("lon", "Longitude (with lat, instead of place)."),
    _param("date", "Local date or range: 2023-04-01, 2023年4月1日, 4月1日, today, an ISO "
           "date-time with offset, 2023-05-25..2023-06-05. Default: today in Guyang."),
    _param("from", "First day of a range."), _param("to", "Last day of a range."),
    _param("datum", "wgs84 (GPS, default), gcj02 (Amap/Tencent/WeChat), bd09 (Baidu)."),
    _param("accuracy", "Metres the true position may be from the given one."),
    _param("actor", "individual or unit: fines for that side only."),
    _param("land", "Stated land type: forest, grassland, farmland, built-up, water (林地 …)."),
    _param("in_zone", "A zone the place is stated to be inside (id or name); repeatable.",
           repeat=True),
    _param("lang", "zh or en; as with `check --json --lang`, the JSON holds both languages."),
]
_JSON = {"application/json": {"schema": {"type": "object"}}}


def openapi() -> dict[str, Any]:
    """The description, built from the parameters the endpoints read."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "firecheck", "version": __version__,
                 "description": "Fire-ban and straw-burning-ban checks for Guyang County "
                 "(固阳县). Every answer is the public API's: /api/check returns exactly the "
                 "JSON of `firecheck check --json`. Errors are {code, message_zh, message_en}."},
        "paths": {
            "/api/check": {"get": {
                "summary": "One question: is ACTIVITY at PLACE on DATE prohibited?",
                "parameters": _CHECK,
                "responses": {"200": {"description": "The verdict (any status), or for a "
                                      "range {status, from, to, spans[]}", "content": _JSON},
                              "400": _ERROR}}},
            "/api/answer": {"get": {
                "summary": "The verdict and the paragraphs the terminal shows, in both "
                "languages (what the page renders)",
                "parameters": _CHECK,
                "responses": {"200": {"description": "{result, paragraphs{zh, en}}",
                                      "content": _JSON}, "400": _ERROR}}},
            "/api/batch": {"post": {
                "summary": "A file of requests (the formats of `firecheck batch`): one output "
                "row per input row, in order",
                "parameters": [
                    _param("input_format", "Input format if neither the uploaded file name "
                           "nor the content type says (csv, jsonl, geojson, …)."),
                    _param("format", "Output format (csv, jsonl, geojson, xlsx); default: "
                           "the input's."),
                    _param("activity", "Activity for rows without one."),
                    _param("datum", "Datum for rows without one."),
                    _param("date", "Date for rows without one."),
                    _param("lang", "Language of the error column and of a sheet: zh or en."),
                    _param("headers", "Result columns: keys, or zh / en for a sheet (结论, "
                           "依据, 说明 …; the default for xlsx output)."),
                    _param("sheet", "The worksheet of an .xlsx upload (default: the first)."),
                    _param("map", "COLUMN=FIELD for a header firecheck does not know; "
                           "repeatable.", repeat=True)],
                "requestBody": {"required": True, "content": {
                    "text/csv": {}, "application/x-ndjson": {}, "application/geo+json": {},
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {},
                    "application/octet-stream": {},
                    "multipart/form-data": {"schema": {"type": "object", "properties": {
                        "file": {"type": "string", "format": "binary"}}}}}},
                "responses": {"200": {
                    "description": "The checked file; headers X-Firecheck-Rows, "
                    "X-Firecheck-Counts (JSON: rows per status), X-Firecheck-Seconds",
                    "content": {"text/csv": {}, "application/x-ndjson": {},
                                "application/geo+json": {}}},
                    "400": _ERROR, "413": _ERROR, "503": _ERROR}}},
            "/api/periods/{year}": {"get": {
                "summary": "The year's fire bans, fire-prevention periods and straw ban "
                "(`firecheck periods YEAR --json`)",
                "parameters": [_param("year", "1900–2200", required=True, where="path")],
                "responses": {"200": {"description": "{year, rules_version, periods[]}",
                                      "content": _JSON}, "400": _ERROR}}},
            "/api/hotlines": {"get": {"summary": "`firecheck hotlines --json`", "responses": {
                "200": {"description": "{hotlines[]}", "content": _JSON}}}},
            "/api/activities": {"get": {"summary": "`firecheck activities --json`",
                                        "responses": {"200": {
                                            "description": "{rules_version, activities[]}",
                                            "content": _JSON}}}},
            "/api/zones": {"get": {
                "summary": "The loaded zones as GeoJSON (WGS-84)",
                "parameters": [_param("lines", "1: add each mapped zone's 500 m line "
                                      "(layer buffer) and uncertainty band (layer band).")],
                "responses": {"200": {"description": "FeatureCollection; properties as "
                                      "`firecheck zones --json` plus layer",
                                      "content": {"application/geo+json": {}}}}}},
            "/api/places": {"get": {"summary": "Place and zone names the gazetteer knows "
                                    "(the page's suggestions)", "responses": {
                                        "200": {"description": "{places[]}", "content": _JSON}}}},
        },
        "components": {"schemas": {"Error": {"type": "object", "required": [
            "code", "message_zh", "message_en"], "properties": {
                "code": {"type": "string"}, "message_zh": {"type": "string"},
                "message_en": {"type": "string"}}}}},
    }
