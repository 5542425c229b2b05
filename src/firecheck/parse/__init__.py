"""Parsing what people type: coordinates, dates and ranges, in local (Beijing) time."""

from .coordinates import ParsedPoint, parse_lat, parse_lon, parse_point
from .dates import MAX_SPAN_DAYS, YEARS, check_year, parse_date, parse_date_span, parse_when
from .localtime import LOCAL_TZ, local_today, to_local_date

__all__ = ["LOCAL_TZ", "MAX_SPAN_DAYS", "YEARS", "ParsedPoint", "check_year", "local_today",
           "parse_date", "parse_date_span", "parse_lat", "parse_lon", "parse_point",
           "parse_when", "to_local_date"]
