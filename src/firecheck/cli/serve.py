"""``firecheck serve``: the page and the JSON API over HTTP (the ``serve`` extra)."""

from __future__ import annotations

import socket
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from ..errors import InputError
from ..files import discard
from ..text import say
from .options import PATH, Lang, LangOpt, RulesOpt, ZonesOpt, app, data, err, guarded, out

_LOCAL = ("127.0.0.1", "localhost", "::1")


@app.command()
@guarded
def serve(
    host: Annotated[str, typer.Option(
        "--host", help="Address to listen on; 0.0.0.0 shares it with the phones of this "
        "network (no login!).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="TCP port.")] = 8000,
    tls: Annotated[bool, typer.Option(
        "--tls", help="HTTPS (phones give location to secure pages only): with --cert/--key, "
        "else a self-signed certificate made for this run.")] = False,
    cert: Annotated[Path | None, typer.Option("--cert", help="PEM certificate for --tls.",
                                              show_default=False, click_type=PATH)] = None,
    key: Annotated[Path | None, typer.Option("--key", help="PEM private key for --cert.",
                                             show_default=False, click_type=PATH)] = None,
    upload_mb: Annotated[float, typer.Option(
        "--max-upload-mb", min=0.001, help="Largest batch upload accepted.")] = 50.0,
    batch_seconds: Annotated[float, typer.Option(
        "--batch-seconds", min=1.0, help="Time limit of one batch upload.")] = 300.0,
    lang: LangOpt = Lang.zh,
    zones_file: ZonesOpt = None,
    rules_paths: RulesOpt = None,
) -> None:
    """Serve the check page (phones, browsers) and the JSON API, offline.

    Examples:

      firecheck serve

      firecheck serve --host 0.0.0.0 --tls --zones official.geojson
    """
    try:
        import uvicorn

        from ..serve.app import Limits, create_app
    except ImportError as exc:
        raise InputError(f"serve 需要可选依赖：pip install \"firecheck[serve]\"（{exc.name}）",
                         f"serve needs the serve extra: pip install \"firecheck[serve]\" "
                         f"({exc.name} is missing)") from None
    if (cert is None) != (key is None):
        raise InputError("--cert 与 --key 须一起给出", "give --cert and --key together")
    if cert is not None and not tls:
        raise InputError("--cert/--key 需要 --tls", "--cert/--key need --tls")
    from ..batch.arrow import use_returning_pool

    use_returning_pool()  # a long-lived process: batch uploads hand their memory back
    rules, zones = data(zones_file, rules_paths, None, lang.value)
    limits = Limits(upload_bytes=int(upload_mb * (1 << 20)), batch_seconds=batch_seconds)
    application = create_app(rules, zones, limits)
    made: list[Path] = []
    try:
        if tls and cert is None:
            from ..serve.tls import self_signed

            cert, key = self_signed(["localhost", "127.0.0.1", "::1", *_addresses(host)],
                                    Path(tempfile.gettempdir()))
            made += [cert, key]
        # IPPROTO_TCP named, or asyncio leaves Nagle on (40 ms per keep-alive answer).
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind((host, port))
            except OSError as exc:
                raise InputError(f"无法监听 {host}:{port}：{exc.strerror}",
                                 f"cannot listen on {host}:{port}: {exc.strerror}") from None
            sock.listen(2048)  # connections wait in the backlog until the server accepts
            _announce(host, sock.getsockname()[1], cert, lang.value, made != [])
            config = uvicorn.Config(application, log_level="warning", server_header=False,
                                    ssl_certfile=cert and str(cert), ssl_keyfile=key and str(key),
                                    timeout_keep_alive=15, lifespan="off")
            uvicorn.Server(config).run(sockets=[sock])
    finally:
        for path in made:
            discard(path)


def _addresses(host: str) -> list[str]:
    """The addresses a phone can open: this machine's own when listening on all."""
    if host not in ("0.0.0.0", "::"):
        return [host]
    try:
        found = socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
    except OSError:
        return []
    return sorted({a[4][0] for a in found if not a[4][0].startswith("127.")})


def _announce(host: str, port: int, cert: Path | None, lang: str, self_made: bool) -> None:
    scheme = "https" if cert is not None else "http"
    shown = ["127.0.0.1"] if host in ("0.0.0.0", "::") else [host]
    for address in [*shown, *(a for a in _addresses(host) if a not in shown)]:
        name = f"[{address}]" if ":" in address else address
        out.print(say(lang, f"firecheck serve：{scheme}://{name}:{port}/",
                      f"firecheck serve: {scheme}://{name}:{port}/"))
    if cert is not None:
        from ..serve.tls import fingerprint

        kind = say(lang, "自签名证书" if self_made else "证书", "self-signed certificate"
                   if self_made else "certificate")
        out.print(f"{kind} SHA-256 {fingerprint(cert)}", soft_wrap=True)
    if host not in _LOCAL:
        err.print(say(lang, "注意：没有登录，本网络中任何人都可以使用此服务。",
                      "Note: there is no login; anyone on this network can use it."))
        if cert is None:
            err.print(say(lang, "手机浏览器只对 HTTPS 页面提供定位：加 --tls 可使用“我的位置”。",
                          "Phone browsers give location to HTTPS pages only: add --tls for "
                          "'use my location'."))
    out.file.flush()
