"""The pages: the agent's bar at ``/`` (and its files under ``/bar/``), the API example
at ``/example``, downloadable as one file at ``/example/phonebar-example.html``.

The pages are static and hold no secret, so they need no token (the API calls they
make do); the Host and Origin checks of the BrowserGuard still apply to them. Every
page forbids framing, so another site cannot overlay the bar's buttons.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

from phonebar.errors import NotFound
from phonebar.web import BAR_ASSETS, BAR_PAGE, EXAMPLE_FILE_NAME, EXAMPLE_PAGE, STATIC

router = APIRouter(include_in_schema=False)

EXAMPLE_DOWNLOAD = f"/example/{EXAMPLE_FILE_NAME}"
PUBLIC_PAGES = frozenset({"/", "/example", EXAMPLE_DOWNLOAD, *(f"/bar/{name}" for name in BAR_ASSETS)})

HTML = "text/html; charset=utf-8"
# the bar runs only its own files and talks only to this daemon
BAR_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
# the example page is one file with inline code and may talk to any daemon address
EXAMPLE_POLICY = "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"


def _page(path: Path, media_type: str, policy: str, **extra: str) -> FileResponse:
    headers = {
        "Cache-Control": "no-cache",
        "Content-Security-Policy": policy,
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
        **extra,
    }
    return FileResponse(path, media_type=media_type, headers=headers)


@router.get("/")
async def bar() -> FileResponse:
    return _page(BAR_PAGE, HTML, BAR_POLICY)


@router.get("/bar/{name}")
async def bar_asset(name: str) -> FileResponse:
    media_type = BAR_ASSETS.get(name)
    if media_type is None:
        raise NotFound(f"no such file: /bar/{name[:80]}")
    return _page(STATIC / name, media_type, BAR_POLICY)


@router.get("/example")
async def example() -> FileResponse:
    return _page(EXAMPLE_PAGE, HTML, EXAMPLE_POLICY)


@router.get(EXAMPLE_DOWNLOAD)
async def example_download() -> FileResponse:
    return _page(
        EXAMPLE_PAGE,
        HTML,
        EXAMPLE_POLICY,
        **{"Content-Disposition": f'attachment; filename="{EXAMPLE_FILE_NAME}"'},
    )
