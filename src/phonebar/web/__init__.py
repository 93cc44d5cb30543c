"""The agent's bar and the API example page: static files served by
:mod:`phonebar.api.routers.web`, with no build step and nothing fetched from elsewhere.

``static/index.html`` is the bar; its ES modules and style sheet are listed in
:data:`BAR_ASSETS`. ``static/example.html`` is the example page: one
self-contained file (inline script and style) meant to be read and copied.
"""

from __future__ import annotations

from pathlib import Path

STATIC = Path(__file__).resolve().parent / "static"

BAR_PAGE = STATIC / "index.html"
EXAMPLE_PAGE = STATIC / "example.html"
EXAMPLE_FILE_NAME = "phonebar-example.html"

# every file the bar loads, by the name it is served under (/bar/<name>), with its type
BAR_ASSETS: dict[str, str] = {
    "bar.css": "text/css; charset=utf-8",
    "bar.js": "text/javascript; charset=utf-8",
    "api.js": "text/javascript; charset=utf-8",
    "stream.js": "text/javascript; charset=utf-8",
    "store.js": "text/javascript; charset=utf-8",
    "format.js": "text/javascript; charset=utf-8",
    "status_view.js": "text/javascript; charset=utf-8",
    "dialer.js": "text/javascript; charset=utf-8",
    "calls_view.js": "text/javascript; charset=utf-8",
    "recents_view.js": "text/javascript; charset=utf-8",
    "ringer.js": "text/javascript; charset=utf-8",
}
