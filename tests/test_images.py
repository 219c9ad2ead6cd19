"""Images of artifacts (embed/image_store.py): `matchgraph image add`, the `attachImage` mutation,
`Artifact.images`, `/images/<file>`, embedding with a tiny random ViT (embed.vit_embedder.write_tiny_vit),
and what happens without weights: stored, not searchable, status says why, embedded later."""

from __future__ import annotations

import base64
import io
import json
import subprocess
import sys

import pytest
from conftest import cli_env
from PIL import Image as PILImage
from pydantic import SecretStr
from starlette.testclient import TestClient

from corpus import sample_folder
from embed.image_store import ImageError, UnknownArtifact, attach_images, check_image
from embed.stage import EmbeddingStage
from embed.vectors import VectorService
from embed.vit_embedder import write_tiny_vit
from graph_service.app import create_app
from ingest.pipeline import Ingester, expand_paths, read_inputs
from ingest.writer import GraphWriter

DOCUMENT = sample_folder() / "s01_resnet-50-vs-efficientnet-b0.txt"
KEY = {"X-API-Key": "k1"}

ATTACH = """
mutation ($artifact: String!, $kind: ImageKind!, $data: String!, $mediaType: String) {
  attachImage(artifact: $artifact, kind: $kind, data: $data, mediaType: $mediaType) {
    id kind mediaType width height sha256 path url searchable reason
  }
}
"""
IMAGES = '{ artifact(slug: "resnet-50") { slug images { id kind mediaType width height url searchable reason } } }'


def picture(color=(200, 30, 30), size=(40, 24), kind="PNG") -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", size, color).save(buffer, format=kind)
    return buffer.getvalue()


@pytest.fixture
def artifact_graph(graph):
    Ingester(GraphWriter(graph)).ingest(read_inputs(expand_paths([DOCUMENT])))
    return graph


@pytest.fixture(scope="module")
def tiny_vit(tmp_path_factory):
    return write_tiny_vit(tmp_path_factory.mktemp("tiny-vit"))


def image_nodes(graph) -> list[dict]:
    records, _, _ = graph.execute_query(
        "MATCH (i:Image)-[:DEPICTS]->(a:Artifact) RETURN i {.*} AS image, a.slug AS slug ORDER BY i.id"
    )
    return [record.data() for record in records]


# -- checking ---------------------------------------------------------------------------------------------
def test_check_image_reads_format_and_size_and_refuses_the_rest():
    checked = check_image(picture(), 1_000_000, name="logo.png")
    assert (checked.media_type, checked.extension, checked.width, checked.height) == ("image/png", "png", 40, 24)
    assert checked.path == f"images/{checked.sha256}.png"
    assert check_image(picture(kind="JPEG"), 1_000_000).media_type == "image/jpeg"
    with pytest.raises(ImageError, match="not a readable image"):
        check_image(b"GIF89a but not really", 1_000_000, name="fake.gif")
    with pytest.raises(ImageError, match="over the limit of 2,000"):
        check_image(picture(size=(100, 100), kind="BMP"), 2000)  # 30 kB of pixels
    with pytest.raises(ImageError, match="empty file"):
        check_image(b"", 1000)
    with pytest.raises(ImageError, match="media type says image/jpeg but the data is image/png"):
        check_image(picture(), 1_000_000, media_type="image/jpeg")
    buffer = io.BytesIO()
    PILImage.new("RGB", (8, 8)).save(buffer, format="BMP")
    with pytest.raises(ImageError, match="BMP images are not accepted"):
        check_image(buffer.getvalue(), 1_000_000)


# -- without weights --------------------------------------------------------------------------------------
def run_cli(settings, *arguments: str, **variables: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-c", "from graph_service.cli import main; main()", *arguments]
    return subprocess.run(command, env=cli_env(settings, **variables), capture_output=True, text=True, timeout=300)


def test_cli_without_weights_stores_the_image_and_status_says_why(artifact_graph, settings, tmp_path):
    logo = tmp_path / "logo.png"
    logo.write_bytes(picture())
    added = run_cli(settings, "image", "add", "ResNet-50", str(logo), "--kind", "logo", "--json")
    assert added.returncode == 0, added.stderr
    result = json.loads(added.stdout)["attached"][0]
    assert result["artifact"] == "resnet-50" and result["kind"] == "logo" and result["searchable"] is False
    assert "MATCHGRAPH_VIT_MODEL is not set" in result["reason"] and "index rebuild" in result["reason"]
    stored = settings.data_dir / result["path"]
    assert stored.read_bytes() == logo.read_bytes() and result["url"] == f"/{result['path']}"
    [node] = image_nodes(artifact_graph)
    assert node["slug"] == "resnet-50" and node["image"]["kind"] == "logo" and "embedding" not in node["image"]
    assert node["image"]["width"] == 40 and node["image"]["mediaType"] == "image/png"

    again = run_cli(settings, "image", "add", "resnet-50", str(logo), "--kind", "logo")  # the same file: no new node
    assert again.returncode == 0, again.stderr
    assert "stored, not searchable" in again.stdout and len(image_nodes(artifact_graph)) == 1

    status = json.loads(run_cli(settings, "index", "status", "--json").stdout)
    assert status["images"]["pendingImages"] == 1
    assert "MATCHGRAPH_VIT_MODEL is not set" in status["images"]["imageSearch"]
    assert "1 stored images are not searchable" in status["images"]["imageSearch"]


def test_cli_refuses_a_bad_file_or_an_unknown_artifact(artifact_graph, settings, tmp_path):
    bad = tmp_path / "notes.png"
    bad.write_text("not an image")
    good = tmp_path / "good.png"
    good.write_bytes(picture())
    refused = run_cli(settings, "image", "add", "resnet-50", str(good), str(bad))
    message = " ".join(refused.stderr.split())  # the console wraps long lines
    assert refused.returncode == 2 and "notes.png: not a readable image (PNG, JPEG, WebP or GIF)" in message
    assert image_nodes(artifact_graph) == []  # checked before anything was written
    unknown = run_cli(settings, "image", "add", "no-such-model", str(good))
    assert unknown.returncode == 2 and "unknown artifact 'no-such-model'" in " ".join(unknown.stderr.split())


def test_pending_images_are_embedded_once_weights_are_set(artifact_graph, settings, tiny_vit):
    plain = VectorService(settings, artifact_graph)
    [stored] = attach_images(plain, "resnet-50", [check_image(picture(), 10_000)], "sample")
    assert not stored.searchable and plain.index("images") is None

    with_weights = settings.model_copy(update={"vit_model": str(tiny_vit)})
    report = EmbeddingStage(with_weights, artifact_graph, embed_images=True).run()
    assert report.ok, report.error
    assert report.images == 1 and report.images_pending == 0 and "images" in report.indexes
    index = VectorService(with_weights, artifact_graph).index("images")
    assert index.count == 1 and index.dimension == 32 and index.model == str(tiny_vit)
    assert VectorService(with_weights, artifact_graph).status()["images"]["imageSearch"] == "on"


def test_unknown_artifact_and_kind_are_refused(artifact_graph, settings):
    service = VectorService(settings, artifact_graph)
    with pytest.raises(UnknownArtifact, match="unknown artifact 'nothing-here'"):
        attach_images(service, "nothing-here", [check_image(picture(), 10_000)], "logo")
    with pytest.raises(ImageError, match="unknown image kind 'banner'"):
        attach_images(service, "resnet-50", [check_image(picture(), 10_000)], "banner")


# -- through the API, with the tiny ViT -------------------------------------------------------------------
@pytest.fixture
def client(artifact_graph, settings, tiny_vit):
    configured = settings.model_copy(
        update={
            "api_keys": frozenset({SecretStr("k1")}),
            "rate_limit_anonymous": 0,
            "vit_model": str(tiny_vit),
            "image_max_bytes": 50_000,
        }
    )
    with TestClient(create_app(configured)) as client:
        yield client


def attach(client, data: bytes | str, artifact="resnet-50", kind="SAMPLE", media_type=None, headers=KEY) -> dict:
    encoded = data if isinstance(data, str) else base64.b64encode(data).decode()
    variables = {"artifact": artifact, "kind": kind, "data": encoded, "mediaType": media_type}
    return client.post("/graphql", json={"query": ATTACH, "variables": variables}, headers=headers).json()


def test_attach_image_embeds_it_and_artifact_images_lists_it(client, artifact_graph):
    red, blue = picture((220, 20, 20)), picture((20, 20, 220), kind="JPEG")
    first = attach(client, red, kind="LOGO", media_type="image/png")["data"]["attachImage"]
    assert first["kind"] == "LOGO" and first["searchable"] is True and first["reason"] is None
    assert (first["mediaType"], first["width"], first["height"]) == ("image/png", 40, 24)
    second = attach(client, blue)["data"]["attachImage"]
    assert second["mediaType"] == "image/jpeg" and second["searchable"]

    vectors = client.app.state.matchgraph.vectors
    index = vectors.index("images")
    assert index.count == 2 and index.kind == "flat"
    query = vectors.image_embedder().encode([red])
    assert index.search(query, 1)[0][0] == (first["id"], pytest.approx(1.0, abs=1e-4))

    listed = client.post("/graphql", json={"query": IMAGES}).json()["data"]["artifact"]["images"]
    assert {image["id"] for image in listed} == {first["id"], second["id"]}
    served = client.get(first["url"])
    assert served.status_code == 200 and served.content == red and served.headers["content-type"] == "image/png"
    assert client.get("/images/../../etc/passwd").status_code == 404
    assert client.get("/images/" + "0" * 64 + ".png").status_code == 404


def test_attach_image_errors_are_clear(client):
    assert attach(client, picture(), headers={})["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    unknown = attach(client, picture(), artifact="nothing-like-it")["errors"][0]
    assert unknown["extensions"]["code"] == "NOT_FOUND" and "unknown artifact 'nothing-like-it'" in unknown["message"]
    bad = attach(client, b"plain text, no picture")["errors"][0]
    assert bad["extensions"]["code"] == "BAD_USER_INPUT" and "not a readable image" in bad["message"]
    not_base64 = attach(client, "%%% not base64 %%%")["errors"][0]
    assert not_base64["message"] == "`data` is not valid base64"
    too_big = attach(client, picture(size=(600, 600), kind="BMP"))["errors"][0]  # ~1 MB of pixels, limit 50 kB
    assert "over the limit of 50,000 bytes" in too_big["message"]
    mismatch = attach(client, picture(), media_type="image/webp")["errors"][0]
    assert "the media type says image/webp but the data is image/png" in mismatch["message"]


def test_artifact_images_cost_one_round_trip_for_a_whole_page(client, artifact_graph):
    attach(client, picture())
    state = client.app.state.matchgraph
    query = "{ artifacts(first: 20) { edges { node { slug images { id } } } } }"
    without = "{ artifacts(first: 20) { edges { node { slug } } } }"
    client.post("/graphql", json={"query": without})
    before = state.graph.round_trips
    client.post("/graphql", json={"query": without})
    base = state.graph.round_trips - before
    before = state.graph.round_trips
    answer = client.post("/graphql", json={"query": query}).json()["data"]["artifacts"]["edges"]
    assert state.graph.round_trips - before == base + 1
    assert sum(len(edge["node"]["images"]) for edge in answer) == 1
