"""The page and its assets, read once from the package into memory: a request names an
asset, never a file, so no path from a request touches the filesystem."""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files

from starlette.responses import Response

from ..errors import InputError

_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
          ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}


@dataclass(frozen=True)
class Assets:
    """Every file of ``static/``, by name."""

    content: dict[str, bytes]

    @classmethod
    def load(cls) -> Assets:
        folder = files("firecheck.serve") / "static"
        return cls({item.name: item.read_bytes() for item in folder.iterdir()
                    if item.is_file() and any(item.name.endswith(s) for s in _TYPES)})

    def response(self, name: str) -> Response:
        body = self.content.get(name)
        if body is None:
            raise InputError(f"没有资源 {name!r}", f"no asset {name!r}", code="not_found")
        suffix = name[name.rindex("."):]
        return Response(body, media_type=_TYPES[suffix],
                        headers={"cache-control": "no-cache"})
