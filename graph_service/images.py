"""GET /images/<sha256>.<ext>: the stored images of artifacts (embed/image_store.py keeps them)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response

from embed.image_store import MEDIA_TYPES, stored_image_path


async def image_file(request: Request) -> Response:
    """A stored image (immutable: the name is its content hash); 404 for any other name."""
    settings = request.app.state.matchgraph.settings
    path = stored_image_path(settings.data_dir, request.path_params["name"])
    if path is None:
        return JSONResponse({"error": "no such image"}, status_code=404)
    media_type = next(t for t, ext in MEDIA_TYPES.values() if path.suffix == f".{ext}")
    return FileResponse(path, media_type=media_type, headers={"Cache-Control": "public, max-age=31536000, immutable"})
