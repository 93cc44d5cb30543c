"""The pages: the agent's bar at ``/`` (and its files under ``/bar/``), the API example
at ``/example``, downloadable as one file at ``/example/phonebar-example.html``.

The pages are static and hold no secret, so they need no token (the API calls they
make do); the Host and Origin checks of the BrowserGuard still apply to them. Every
page forbids framing, so another site cannot overlay the bar's buttons. The OpenAPI
document lists them (tag ``pages``) with the types they are served as.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter
from fastapi import Path as PathParam
from fastapi.responses import FileResponse

from phonebar.api.schemas import ErrorResponse
from phonebar.errors import NotFound
from phonebar.web import BAR_ASSETS, BAR_PAGE, EXAMPLE_FILE_NAME, EXAMPLE_PAGE, STATIC

router = APIRouter(tags=["pages"], default_response_class=FileResponse)

EXAMPLE_DOWNLOAD = f"/example/{EXAMPLE_FILE_NAME}"
PUBLIC_PAGES = frozenset({"/", "/example", EXAMPLE_DOWNLOAD, *(f"/bar/{name}" for name in BAR_ASSETS)})
# what another site may link to (a top-level navigation, never a frame): the bar only.
# The example page takes its API address from ?api=, which a link could point elsewhere.
NAVIGABLE_PAGES = frozenset({"/"})
# the public pages, as the OpenAPI document spells them
PUBLIC_ROUTES = frozenset({"/", "/bar/{name}", "/example", EXAMPLE_DOWNLOAD})

HTML = "text/html; charset=utf-8"
# the bar runs only its own files and talks only to this daemon
BAR_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
# the example page is one file with inline code and may talk to any daemon address
EXAMPLE_POLICY = "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"


def _served_as(*media_types: str, not_found: str | None = None) -> dict[int | str, dict[str, Any]]:
    content = {media_type.split(";")[0]: {"schema": {"type": "string"}} for media_type in media_types}
    responses: dict[int | str, dict[str, Any]] = {200: {"description": "the file", "content": content}}
    if not_found is not None:
        responses[404] = {"model": ErrorResponse, "description": not_found}
    return responses


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


@router.get("/", summary="The agent's bar", responses=_served_as("text/html"))
async def bar() -> FileResponse:
    return _page(BAR_PAGE, HTML, BAR_POLICY)


@router.get(
    "/bar/{name}",
    summary="A file of the bar (its scripts and style sheet)",
    responses=_served_as(*sorted(set(BAR_ASSETS.values())), not_found="not one of the bar's files"),
)
async def bar_asset(
    name: Annotated[str, PathParam(json_schema_extra={"enum": sorted(BAR_ASSETS)})],
) -> FileResponse:
    media_type = BAR_ASSETS.get(name)
    if media_type is None:
        raise NotFound(f"no such file: /bar/{name[:80]}")
    return _page(STATIC / name, media_type, BAR_POLICY)


@router.get("/example", summary="The API example page", responses=_served_as("text/html"))
async def example() -> FileResponse:
    return _page(EXAMPLE_PAGE, HTML, EXAMPLE_POLICY)


@router.get(
    EXAMPLE_DOWNLOAD, summary="The API example page, as a file to save", responses=_served_as("text/html")
)
async def example_download() -> FileResponse:
    return _page(
        EXAMPLE_PAGE,
        HTML,
        EXAMPLE_POLICY,
        **{"Content-Disposition": f'attachment; filename="{EXAMPLE_FILE_NAME}"'},
    )
