"""Images of artifacts: checked, stored by content hash, linked in the graph, embedded for search.

    (:Image {id, sha256, kind, path, mediaType, width, height, addedAt, embedding, embeddingModel, embeddedAt})
        -[:DEPICTS]->(:Artifact)

The file goes to `<MATCHGRAPH_DATA_DIR>/images/<sha256>.<ext>` (written once, atomically; `path` on
the node is relative to the data dir) and is served at `/images/<sha256>.<ext>` (graph_service/images.py). An image is one
node per content and kind (`id` hashes both), so attaching the same file twice changes nothing.

It is embedded with the ViT image embedder (embed/vit_embedder.py) when weights are configured
(MATCHGRAPH_VIT_MODEL); without them it is stored, `searchable` is false with the reason, and
`matchgraph index rebuild` embeds the pending images once weights are set.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from embed.vit_embedder import ImageWeightsMissing
from graphdb.vocabulary import IMAGE_KINDS
from ingest.records import slugify

log = logging.getLogger("matchgraph.images")

KINDS = IMAGE_KINDS
MEDIA_TYPES = {
    "PNG": ("image/png", "png"),
    "JPEG": ("image/jpeg", "jpg"),
    "WEBP": ("image/webp", "webp"),
    "GIF": ("image/gif", "gif"),
}
MAX_PIXELS = 40_000_000  # decompression bombs: a small file that decodes to gigabytes
BATCH = 16
_STORED_NAME = re.compile(r"^[0-9a-f]{64}\.(png|jpg|webp|gif)$")


class ImageError(ValueError):
    """A bad image, kind or artifact; the message is one line a user can act on."""


class UnknownArtifact(ImageError):
    """No artifact with that slug or name."""


@dataclass(frozen=True)
class CheckedImage:
    data: bytes
    sha256: str
    media_type: str
    extension: str
    width: int
    height: int
    name: str

    @property
    def path(self) -> str:
        """Relative to the data dir."""
        return f"images/{self.sha256}.{self.extension}"


@dataclass(frozen=True)
class AttachedImage:
    id: str
    artifact: str  # slug
    kind: str
    sha256: str
    path: str
    media_type: str
    width: int
    height: int
    searchable: bool
    reason: str | None = None  # why it is not searchable

    def as_json(self) -> dict:
        return {
            "id": self.id,
            "artifact": self.artifact,
            "kind": self.kind,
            "sha256": self.sha256,
            "path": self.path,
            "url": image_url(self.path),
            "mediaType": self.media_type,
            "width": self.width,
            "height": self.height,
            "searchable": self.searchable,
            "reason": self.reason,
        }


def image_url(path: str | None) -> str | None:
    """Where the API serves a stored image (path relative to the data dir)."""
    return f"/{path}" if path else None


def image_id(sha256: str, kind: str) -> str:
    return hashlib.sha256(f"{sha256}:{kind}".encode()).hexdigest()[:16]


def check_image(data: bytes, max_bytes: int, name: str = "image", media_type: str | None = None) -> CheckedImage:
    """Reads ``data`` as an image (PNG, JPEG, WebP or GIF) or raises ImageError saying why not."""
    from PIL import Image, UnidentifiedImageError

    if not data:
        raise ImageError(f"{name}: empty file")
    if len(data) > max_bytes:
        raise ImageError(f"{name}: {len(data):,} bytes is over the limit of {max_bytes:,} (MATCHGRAPH_IMAGE_MAX_BYTES)")
    try:
        with Image.open(io.BytesIO(data)) as image:
            image_format = image.format
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise ImageError(f"{name}: {width}×{height} pixels is over the limit of {MAX_PIXELS:,}")
            image.verify()
    except ImageError:
        raise
    except UnidentifiedImageError:
        raise ImageError(f"{name}: not a readable image (PNG, JPEG, WebP or GIF)") from None
    except Image.DecompressionBombError:
        raise ImageError(f"{name}: too many pixels (over {MAX_PIXELS:,})") from None
    except (OSError, SyntaxError, ValueError) as error:
        raise ImageError(f"{name}: not a readable image (damaged or truncated: {str(error)[:100]})") from None
    if image_format not in MEDIA_TYPES:
        raise ImageError(f"{name}: {image_format} images are not accepted (PNG, JPEG, WebP or GIF)")
    detected, extension = MEDIA_TYPES[image_format]
    if media_type and media_type.strip().lower() != detected:
        raise ImageError(f"{name}: the media type says {media_type} but the data is {detected}")
    return CheckedImage(data, hashlib.sha256(data).hexdigest(), detected, extension, width, height, name)


def _store(data_dir: Path, image: CheckedImage) -> None:
    target = Path(data_dir) / image.path
    if target.is_file() and target.stat().st_size == len(image.data):
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(image.data)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _encode(embedder, datas: list[bytes]) -> np.ndarray:
    return np.asarray(embedder.encode(datas, batch_size=BATCH), dtype=np.float32)


def _weights_missing():
    return ImageWeightsMissing


def attach_images(vectors, artifact: str, images: list[CheckedImage], kind: str) -> list[AttachedImage]:
    """Stores ``images``, links them to ``artifact`` (slug or exact name), embeds them when it can.

    ``vectors`` is the caller's embed.vectors.VectorService (its driver, settings and indexes).
    """
    if kind not in KINDS:
        raise ImageError(f"unknown image kind {kind!r}: one of {', '.join(KINDS)}")
    slug = slugify(artifact or "")
    found = vectors.repository.find_artifact(slug) if slug else None
    if found is None:
        raise UnknownArtifact(f"unknown artifact {artifact!r}: no artifact with that slug or name in the graph")
    data_dir = Path(vectors.settings.data_dir)
    ids: list[str] = []
    for image in images:
        _store(data_dir, image)
        key = image_id(image.sha256, kind)
        row = {
            "id": key,
            "sha256": image.sha256,
            "kind": kind,
            "path": image.path,
            "mediaType": image.media_type,
            "width": image.width,
            "height": image.height,
        }
        vectors.repository.attach_image(slug, row)
        ids.append(key)

    reason = None
    searchable = False
    try:
        embedder = vectors.image_embedder()
    except _weights_missing() as error:
        problem = getattr(error, "problem", None) or str(error)
        reason = (
            f"no image embeddings ({problem}); the image is stored and becomes searchable once "
            "MATCHGRAPH_VIT_MODEL names ViT weights and `matchgraph index rebuild` embeds it"
        )
    else:
        vectors_ = _encode(embedder, [image.data for image in images])
        vectors.repository.write_image_embeddings(
            [{"key": key, "vector": vector.tolist()} for key, vector in zip(ids, vectors_)], embedder.model_id
        )
        vectors.ensure_fresh(force=True)
        searchable = True
    return [
        AttachedImage(
            id=key,
            artifact=slug,
            kind=kind,
            sha256=image.sha256,
            path=image.path,
            media_type=image.media_type,
            width=image.width,
            height=image.height,
            searchable=searchable,
            reason=reason,
        )
        for key, image in zip(ids, images)
    ]


def attach_encoded(vectors, artifact: str, kind: str, data: str, media_type: str | None = None) -> AttachedImage:
    """The API's path: base64 ``data`` checked (size first, before decoding), stored, linked, embedded."""
    import base64
    import binascii

    limit = vectors.settings.image_max_bytes
    if len(data) > (limit + 2) // 3 * 4 + 4:
        raise ImageError(f"`data`: the image is over the limit of {limit:,} bytes (MATCHGRAPH_IMAGE_MAX_BYTES)")
    try:
        raw = base64.b64decode("".join(data.split()), validate=True)
    except (binascii.Error, ValueError):
        raise ImageError("`data` is not valid base64") from None
    checked = check_image(raw, limit, name="`data`", media_type=media_type)
    return attach_images(vectors, artifact, [checked], kind)[0]


def embed_pending_images(vectors, progress=None) -> tuple[int, str | None]:
    """Embeds stored images without a vector (or with another model's).

    Returns how many were embedded, and why none could be when the ViT weights are unusable.
    """
    try:
        embedder = vectors.image_embedder()
    except _weights_missing() as error:
        return 0, getattr(error, "problem", None) or str(error)
    pending = vectors.repository.pending_images(embedder.model_id)
    data_dir = Path(vectors.settings.data_dir)
    done = 0
    for start in range(0, len(pending), BATCH):
        batch = []
        for row in pending[start : start + BATCH]:
            try:
                batch.append((row["key"], (data_dir / row["path"]).read_bytes()))
            except OSError as error:
                log.warning("image %s: cannot read %s (%s); left unembedded", row["key"], row["path"], error)
        if batch:
            encoded = _encode(embedder, [data for _, data in batch])
            vectors.repository.write_image_embeddings(
                [{"key": key, "vector": vector.tolist()} for (key, _), vector in zip(batch, encoded)], embedder.model_id
            )
            done += len(batch)
        if progress is not None:
            progress("images", done, len(pending))
    return done, None


def stored_image_path(data_dir: Path, name: str) -> Path | None:
    """The file behind `/images/<name>`, or None for a name that is not a stored image's."""
    if not _STORED_NAME.fullmatch(name):
        return None
    path = Path(data_dir) / "images" / name
    return path if path.is_file() else None
