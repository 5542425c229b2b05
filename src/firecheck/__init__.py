"""firecheck: fire-ban and straw-burning-ban compliance checks for Guyang County.

The public API (see the README, "Python API")::

    from firecheck import check
    verdict = check("41.0335,110.0520", "焚烧秸秆", "2023-07-01")
    verdict.status        # 'prohibited'
    verdict.to_dict()     # the JSON form of `firecheck check --json`

Names are imported on first use, so ``import firecheck`` itself loads nothing heavy.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "check": "api", "check_file": "api", "check_rows": "api",
    "Query": "query", "answer": "query",
    "Request": "engine.model", "Verdict": "engine.model", "RangeVerdict": "engine.model",
    "Span": "engine.model", "Location": "engine.model", "Reason": "engine.model",
    "evaluate": "engine.evaluate", "evaluate_range": "engine.evaluate",
    "load_rules": "rules.loader", "RuleSet": "rules.model",
    "load_zones": "zones.load", "ZoneSet": "zones.model",
    "Text": "text", "Message": "text",
    "FirecheckError": "errors", "InputError": "errors", "DataError": "errors",
    "schema": "resources",
}
__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'firecheck' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
