"""The bulk download of the public datasets (/public/data): the page listing the files of the generation in
force, the data dictionary as a page, and the files themselves, streamed from disk. No login."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from domain.disclosure.bulk.dictionary import DATASETS, TYPES, code_values
from domain.disclosure.bulk.export import MANIFEST, Manifest, current_manifest, export_path
from domain.disclosure.queries.permits import combine_freshness
from domain.errors import N_, NotFound
from portal.public import conditional, shared_page

FILE_MAX_AGE_SECONDS = 300


def _manifest(request: Request) -> Manifest | None:
    return current_manifest(export_path(request.app.state.settings))


def size_label(size: int) -> str:
    """Bytes as people read a download's size (1024-based, one decimal)."""
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"  # pragma: no cover - the loop always returns


async def data_page(request: Request) -> Response:
    """The datasets with what each holds, the generation's time, rows, sizes, hashes and the files."""
    manifest = _manifest(request)
    entries = {found.name: found for found in manifest.datasets} if manifest else {}
    freshness = combine_freshness(
        sum(found.rows for found in entries.values()), manifest.generated_at if manifest else None
    )

    async def build() -> Response:
        return shared_page(
            request,
            "public/data.html",
            {
                "manifest": manifest,
                "datasets": [(found, entries.get(found.name)) for found in DATASETS],
                "size_label": size_label,
            },
        )

    return await conditional(request, freshness, build, variant=[manifest.generation if manifest else "-"])


async def dictionary_page(request: Request) -> Response:
    """The data dictionary as a page: every dataset's columns, types, units and codes."""
    manifest = _manifest(request)
    freshness = combine_freshness(0, manifest.generated_at if manifest else None)

    async def build() -> Response:
        return shared_page(
            request,
            "public/data_dictionary.html",
            {"datasets": DATASETS, "types": TYPES, "code_values": code_values},
        )

    return await conditional(request, freshness, build)


async def data_file(request: Request) -> Response:
    """A file of the generation in force: its manifest, or a file the manifest lists; nothing else."""
    manifest = _manifest(request)
    name = request.path_params["name"]
    if manifest is None:
        raise NotFound(N_("There is no such file in the bulk download."), field="name")
    if name == MANIFEST:
        path, media_type, tag = manifest.folder / MANIFEST, "application/json", manifest.generation
    else:
        entry = manifest.entry(name)
        if entry is None:
            raise NotFound(N_("There is no such file in the bulk download."), field="name")
        # The file's SHA-256 (the manifest's) names its bytes exactly: a strong validator.
        path, media_type, tag = manifest.folder / entry.name, entry.media_type, entry.sha256
    headers = {"ETag": f'"{tag}"', "Cache-Control": f"public, max-age={FILE_MAX_AGE_SECONDS}"}
    if request.headers.get("if-none-match", "").strip() == headers["ETag"]:
        return Response(status_code=304, headers=headers)
    return FileResponse(
        path,
        media_type=media_type,
        filename=name,
        headers=headers,
        content_disposition_type="inline" if name.endswith(".json") else "attachment",
    )


routes = [
    Route("/public/data", data_page, methods=["GET"], name="public_data"),
    Route("/public/data/dictionary", dictionary_page, methods=["GET"], name="public_data_dictionary"),
    Route("/public/data/files/{name}", data_file, methods=["GET", "HEAD"], name="public_data_file"),
]
