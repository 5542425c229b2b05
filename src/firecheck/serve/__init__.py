"""``firecheck serve``: the same answers over HTTP — a JSON API for other programs and an
offline page for phones and browsers — on the public API (:func:`firecheck.check`,
:func:`firecheck.check_file`), with the rules and zones loaded once.

:mod:`.app` assembles the Starlette application (routes, limits, security headers, errors
as the JSON error object), :mod:`.queries` reads a request's parameters into the API's
arguments, :mod:`.upload` runs a batch upload through the batch entry point, :mod:`.layers`
draws the map layers from the loaded zones, :mod:`.openapi` describes the API, :mod:`.tls`
makes a self-signed certificate, and ``static/`` holds the page (no CDN, no web fonts, no
tiles). Starlette and uvicorn are imported only by this package (the ``serve`` extra).
"""
