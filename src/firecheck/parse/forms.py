"""What the parsers share: the user's text as typed and normalised, and error messages
that quote it and list the accepted forms of what was expected."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from ..errors import InputError

_DATE_FORMS_EN = (
    "2023-04-01, 2023/4/1, 2023.4.1, 20230401, 2023年4月1日, 4月1日 (this year), "
    "2023-03-14T16:30+08:00 (converted to Beijing time), today, yesterday, tomorrow"
)
_DATE_FORMS_ZH = (
    "2023-04-01、2023/4/1、2023.4.1、20230401、2023年4月1日、4月1日（今年）、"
    "2023-03-14T16:30+08:00（换算为北京时间）、今天、昨天、明天"
)

# What each parser reads, for error messages: (name en, name zh, accepted forms en, zh).
_KINDS: dict[str, tuple[str, str, str, str]] = {
    "point": (
        "coordinates",
        "坐标",
        '"41.03,110.05", "41.03 110.05", "41.03N 110.05E", "N41.03 E110.05", '
        '"41°02′30″N 110°03′00″E", "41°02.5′N 110°03′E", "41 02 30 N 110 03 00 E", '
        '"北纬41.03 东经110.05" (latitude first unless N/S/E/W letters say otherwise)',
        "“41.03,110.05”、“41.03 110.05”、“41.03N 110.05E”、“N41.03 E110.05”、"
        "“41°02′30″N 110°03′00″E”、“41°02.5′N 110°03′E”、“41 02 30 N 110 03 00 E”、"
        "“北纬41.03 东经110.05”（无N/S/E/W字母时纬度在前）",
    ),
    "lat": (
        "latitude",
        "纬度",
        '"41.03", "-41.03", "41.03N", "41°02′30″N", "41°02.5′N", "北纬41度2分30秒"',
        "“41.03”、“-41.03”、“41.03N”、“41°02′30″N”、“41°02.5′N”、“北纬41度2分30秒”",
    ),
    "lon": (
        "longitude",
        "经度",
        '"110.05", "-110.05", "110.05E", "110°03′00″E", "110°03.0′E", "东经110度3分"',
        "“110.05”、“-110.05”、“110.05E”、“110°03′00″E”、“110°03.0′E”、“东经110度3分”",
    ),
    "date": ("date", "日期", _DATE_FORMS_EN, _DATE_FORMS_ZH),
    "span": (
        "date range",
        "日期范围",
        "2023-05-25..2023-06-05, 2023-05-25至2023-06-05, 5月25日到6月5日, "
        "2023/5/25~2023/6/5, or a single date; each date as " + _DATE_FORMS_EN,
        "2023-05-25..2023-06-05、2023-05-25至2023-06-05、5月25日到6月5日、"
        "2023/5/25~2023/6/5，或单个日期；日期格式：" + _DATE_FORMS_ZH,
    ),
}


_CODES = {"point": "invalid_coordinates", "lat": "invalid_lat", "lon": "invalid_lon",
          "date": "invalid_date", "span": "invalid_date"}


@dataclass(frozen=True)
class Typed:
    """The user's text as typed (``text``) and normalised (``norm``), and what it should be."""

    text: str
    norm: str
    kind: str

    def error(self, zh: str, en: str) -> InputError:
        """An InputError quoting the input, saying what is wrong and listing the accepted forms."""
        what_en, what_zh, forms_en, forms_zh = _KINDS[self.kind]
        return InputError(
            f"无法识别{what_zh}“{self.text}”：{zh}可接受的格式：{forms_zh}。",
            f"Cannot read {what_en} '{self.text}': {en} Accepted forms: {forms_en}.",
            code=_CODES[self.kind],
        )


# Characters NFKC leaves alone (or maps badly) that people type for degrees, minus and ranges.
_PRE_NFKC = str.maketrans({"º": "°", "˚": "°", "−": "-", "〜": "~"})


def normalise(text: str) -> str:
    """NFKC-normalise (full-width digits and punctuation to ASCII) and strip whitespace."""
    return unicodedata.normalize("NFKC", text.translate(_PRE_NFKC)).replace("′′", "″").strip()
