"""API benchmark (issue 4 §6): GraphQL pages under load, against a bare Starlette endpoint.

    python -m benchmarks.api_bench [--artifacts 10000] [--requests 2000] [--seconds 15]
                                   [--clients 1,16,64] [--no-profile] [--client raw|httpx]

Starts its own Neo4j (temporary folder, free ports) and builds a graph of `--artifacts` artifacts:

- the real ingester (`Ingester.ingest`) writes `--ingest-documents` synthetic documents
  (benchmarks.synthetic, seed 1): published pages with their feature tables, verdicts, shown
  capabilities, vs-alternatives edges and claims, exactly as `matchgraph ingest` writes them;
- direct Cypher (`CALL {…} IN TRANSACTIONS`, as in tests/test_api_round_trips.py) adds artifacts
  until the graph holds `--artifacts`: 3 to 8 capabilities each (60 taxonomy classes, texts of
  page length), one or two NAMES_ALTERNATIVE edges per capability, one claim per capability, and
  one published comparison per artifact against a pseudo-random partner (9-row feature table, every
  capability shown, verdict and winner) — so about as many comparisons as artifacts.

Then it serves the graph twice, each a subprocess with uvicorn and one worker on a free loopback
port: `matchgraph serve` (rate limits off: MATCHGRAPH_RATE_LIMIT_ANONYMOUS=0; everything else as
shipped, log level included) and `benchmarks.bare_endpoint` (the compare page's two Cypher
statements, `BEST_FOR_PAIR` and the shown capabilities' alternatives, through the same `Graph`
driver settings, answered as plain JSON).

A closed-loop load generator runs in its own process (raw HTTP/1.1 keep-alive on asyncio streams
with uvloop, one connection per client: about 0.2 ms of CPU per request here, where
httpx.AsyncClient, `--client httpx`, takes about 3 ms, a large share of the shared cores). Each cell
stops at `--requests` requests or `--seconds` seconds, whichever comes first, after a warm-up of
each server and page. Cells: artifact
page (random described artifacts), compare page (random published pairs across the graph, random
order, the same sequence for both servers), `artifacts(first: 50)` (random `after` cursors), at
each client count. Per cell: throughput, p50/p99 latency, errors (non-200 or a GraphQL `errors`
entry), Cypher round trips per request (deltas of /metrics `matchgraph_cypher_round_trips_total`;
the bare endpoint counts its own), and the CPU each process used (cores; from /proc).

The machine's cores are shared by Neo4j, the server and the load generator; the CPU columns show
who had them, and `other` what else ran meanwhile (on a shared machine, someone else's tests: each
cell first waits for the machine to go idle, `--quiet-wait` seconds in all).

Prints a table and the acceptance ratios (compare page: GraphQL / bare throughput at the same
client count, target >= 50%; p99 at 16 clients / p50 at 1 client, target <= 3x, with the
throughput that Little's law says the target needs). Then, for the compare page, the CPU of the
GraphQL layer alone (the app in this process, Neo4j's answers replayed: as shipped, with parse and
validation cached, and the bare handler), and unless `--no-profile` a cProfile of `matchgraph
serve` under each page at 16 clients and of the bare endpoint under the compare page (time per
package and per phase: parse, validation, execution, driver). Writes benchmarks/results/api.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import pstats
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from benchmarks import temporary_neo4j, write_results
from schema import page_document

RESULTS = Path(__file__).resolve().parent / "results"
REPO = Path(__file__).resolve().parent.parent

# The documents a front end's pages send (schema/pages/).
ARTIFACT_PAGE = page_document("artifact")
COMPARE_PAGE = page_document("compare")
ARTIFACTS_PAGE = page_document("artifacts")

PAGES = ("artifact", "compare", "artifacts50")
PAGE_LABELS = {"artifact": "artifact page", "compare": "compare page", "artifacts50": "artifacts(first: 50)"}

# ------------------------------------------------------------------------------ the graph ---

CLASSES = 60  # taxonomy classes of the Cypher-built capabilities

BULK_ARTIFACTS = """
UNWIND range(0, $n - 1) AS i
CALL (i) {
  WITH i, $types[i % size($types)] AS type
  CREATE (:Artifact {slug: 'bench-' + i, name: 'Bench ' + i, aliasKey: 'bench-' + i,
                     rank: 1 + (i * 37) % 99, type: type, pricing: $pricings[i % size($pricings)],
                     capabilityCount: 3 + i % 6 + i % 5, publishedTimesMatched: i % 41, searchMatches: 0,
                     timesMatched: i % 41, mentionedOnly: false, adoption: i % 2, quality: (i / 2) % 2,
                     ecosystem: (i / 3) % 2, matchGraph: (i / 5) % 2})
} IN TRANSACTIONS OF 2000 ROWS
"""

# 3 to 8 capabilities per artifact, each naming one or two other artifacts, each making one claim.
BULK_CAPABILITIES = """
UNWIND range(0, $n - 1) AS i
CALL (i) {
  MATCH (a:Artifact {slug: 'bench-' + i})
  UNWIND range(0, 2 + i % 6) AS j
  WITH a, i, j, (i * 7919 + j * 104729 + 1) % $n AS other
  CREATE (a)-[:HAS_CAPABILITY]->(k:Capability {
    id: 'bench-cap-' + i + '-' + j, name: $names[(i + j) % size($names)],
    description: $descriptions[(i + 3 * j) % size($descriptions)] + ' (variant ' + i + '.' + j + ')',
    unique: $uniques[(i + j) % size($uniques)],
    vsAlternatives: 'Runs ' + (2 + (i + j) % 7) + 'x faster than Bench ' + other + ' at ' + (50 + j * 10) +
                    '% of its memory, and ranks above Bench ' + ((other + 17) % $n) + ' on quality.',
    uri: 'capability://class-' + ((i + 13 * j) % $classes)})
  CREATE (k)-[:MAKES_CLAIM]->(:Claim {id: 'bench-claim-' + i + '-' + j, metric: $metrics[j % size($metrics)],
          value: toFloat(1 + (i + j) % 97), unit: 'x', comparator: '>', sentence: 'Runs faster.',
          subjectSlug: a.slug, status: 'unverified'})-[:ABOUT]->(a)
  WITH k, i, j, other
  UNWIND range(0, j % 2) AS m
  WITH k, i, j, CASE m WHEN 0 THEN other ELSE (other + 17) % $n END AS target
  MATCH (b:Artifact {slug: 'bench-' + target}) WHERE target <> i
  CREATE (k)-[:NAMES_ALTERNATIVE {relation: 'faster than', numbers: [2.0 + j], clause: 'x faster than'}]->(b)
} IN TRANSACTIONS OF 500 ROWS
"""

# One published page per artifact: A = bench-i, B = a pseudo-random partner (never itself).
BULK_PAGES = """
UNWIND range(0, $n - 1) AS i
CALL (i) {
  MATCH (a:Artifact {slug: 'bench-' + i}), (b:Artifact {slug: 'bench-' + ((i + 1 + (i * 7) % 97) % $n)})
  WITH a, b, i, CASE WHEN a.rank >= b.rank THEN a ELSE b END AS w, CASE WHEN a.rank >= b.rank THEN b ELSE a END AS l
  CREATE (c:Comparison {id: 'bench-cmp-' + i, title: a.name + ' vs ' + b.name,
          subtitle: w.name + ' ranks higher at ' + w.rank + '/100 vs ' + l.name + ' at ' + l.rank + '/100.',
          aSlug: a.slug, bSlug: b.slug, rankA: a.rank, rankB: b.rank, moreA: 0, moreB: 0, partial: false,
          sequence: 1000000 + i, warnings: [], winnerSlug: w.slug,
          verdict: w.name + ' scores higher at ' + w.rank + '/100 vs ' + l.name + ' at ' + l.rank +
                   '/100. ' + a.name + ' leads on adoption and quality, while ' + b.name + ' is stronger on ecosystem.',
          features: '[["Type","' + a.type + '","' + b.type + '"],["UnfragileRank","' + a.rank + '/100","' + b.rank +
                    '/100"],["Adoption","' + a.adoption + '","' + b.adoption + '"],["Quality","' + a.quality + '","' +
                    b.quality + '"],["Ecosystem","' + a.ecosystem + '","' + b.ecosystem + '"],["Match Graph","' +
                    a.matchGraph + '","' + b.matchGraph + '"],["Pricing","' + a.pricing + '","' + b.pricing +
                    '"],["Capabilities","' + a.capabilityCount + ' decomposed","' + b.capabilityCount +
                    ' decomposed"],["Times Matched","' + a.timesMatched + '","' + b.timesMatched + '"]]'})
  CREATE (c)-[:COMPARES {side: 'a', rank: a.rank, type: a.type, pricing: a.pricing, capabilityCount: a.capabilityCount,
                         shown: 0, more: 0, headerPresent: true}]->(a),
         (c)-[:COMPARES {side: 'b', rank: b.rank, type: b.type, pricing: b.pricing, capabilityCount: b.capabilityCount,
                         shown: 0, more: 0, headerPresent: true}]->(b)
  WITH c, a, b
  CALL (c, a) { MATCH (a)-[:HAS_CAPABILITY]->(k) WITH c, k ORDER BY k.id WITH c, collect(k) AS ks
                UNWIND range(0, size(ks) - 1) AS p WITH c, p, ks[p] AS k CREATE (c)-[:SHOWS {side: 'a', position: p}]->(k) }
  CALL (c, b) { MATCH (b)-[:HAS_CAPABILITY]->(k) WITH c, k ORDER BY k.id WITH c, collect(k) AS ks
                UNWIND range(0, size(ks) - 1) AS p WITH c, p, ks[p] AS k CREATE (c)-[:SHOWS {side: 'b', position: p}]->(k) }
} IN TRANSACTIONS OF 500 ROWS
"""

BULK_TEXT = {
    "types": ["Model", "Model", "Model", "API", "Repository", "Framework"],
    "pricings": ["Free", "Open source", "Freemium", "Paid"],
    "names": [
        "Image classification",
        "Object detection",
        "Text generation",
        "Code generation",
        "Text-to-image",
        "Speech recognition",
        "Embeddings",
        "Summarisation",
        "Tool calling",
        "Depth estimation",
        "Instance segmentation",
        "Question answering",
    ],
    "descriptions": [
        "Classifies images into the 1,000 classes of ImageNet-1k with a compact convolutional backbone tuned for "
        "mobile devices and low-latency inference",
        "Detects and localises objects in 640x640 frames, returning boxes, labels and confidences for every instance",
        "Generates and continues text in 40 languages, following multi-turn chat instructions with a long context",
        "Writes and explains code across 80 programming languages, with repository-level completion and tests",
        "Generates 1024x1024 images from text prompts with fine control over composition, style and typography",
        "Transcribes speech in 90 languages with word-level timestamps and speaker turns, robust to background noise",
        "Produces dense embeddings for retrieval and clustering, normalised for cosine similarity search",
        "Summarises reports and transcripts into structured outlines with headings and key figures",
    ],
    "uniques": [
        "The only model in its class that runs on-device under 50 MB while keeping top-5 accuracy above 90%.",
        "Ships a permissive licence and weights for commercial use, with a documented training recipe.",
        "Handles inputs four times longer than its nearest alternative without chunking or retrieval.",
        "Comes with an evaluation harness and published ablations for every design choice.",
    ],
    "metrics": ["latency", "throughput", "accuracy", "memory"],
}


def clear(driver) -> None:
    with driver.session() as session:
        session.run(
            "MATCH (n) WHERE NOT n:SchemaVersion CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 5000 ROWS"
        ).consume()


def count(driver, query: str) -> int:
    records, _, _ = driver.execute_query(query)
    return records[0][0]


def build_graph(driver, artifacts: int, documents: int, log) -> dict:
    """Real ingest of `documents` synthetic pages, then Cypher-built artifacts up to `artifacts`."""
    from benchmarks.synthetic import generate
    from ingest.pipeline import Ingester
    from ingest.writer import GraphWriter

    clear(driver)
    timings = {}
    started = time.perf_counter()
    if documents:
        pool = max(2, artifacts // 4)
        corpus = [(name, text.encode("utf-8"), "") for name, text in generate(documents, pool, seed=1)]
        report = Ingester(GraphWriter(driver), batch_size=100).ingest(iter(corpus))
        if report.ingested != documents:
            log(f"warning: ingested {report.ingested} of {documents} documents ({len(report.rejected)} rejected)")
    timings["ingest_s"] = round(time.perf_counter() - started, 1)
    log(f"  ingested {documents} documents: {timings['ingest_s']}s")
    bulk = max(0, artifacts - count(driver, "MATCH (a:Artifact) RETURN count(a)"))
    started = time.perf_counter()
    if bulk:
        with driver.session() as session:
            for statement in (BULK_ARTIFACTS, BULK_CAPABILITIES, BULK_PAGES):
                session.run(statement, n=bulk, classes=CLASSES, **BULK_TEXT).consume()
    timings["cypher_s"] = round(time.perf_counter() - started, 1)
    log(f"  {bulk} artifacts by Cypher: {timings['cypher_s']}s")
    shape = {
        "artifacts": count(driver, "MATCH (a:Artifact) RETURN count(a)"),
        "described_artifacts": count(driver, "MATCH (a:Artifact {mentionedOnly: false}) RETURN count(a)"),
        "ingested_documents": documents,
        "cypher_artifacts": bulk,
        "capabilities": count(driver, "MATCH (k:Capability) RETURN count(k)"),
        "comparisons": count(driver, "MATCH (c:Comparison) RETURN count(c)"),
        "names_alternative": count(driver, "MATCH ()-[r:NAMES_ALTERNATIVE]->() RETURN count(r)"),
        "claims": count(driver, "MATCH (c:Claim) RETURN count(c)"),
        "nodes": count(driver, "MATCH (n) RETURN count(n)"),
        "relationships": count(driver, "MATCH ()-[r]->() RETURN count(r)"),
    }
    return {**shape, "build": timings}


def workloads(driver, rng: random.Random, size: int) -> dict[str, list[bytes]]:
    """Request bodies per page; the compare pairs are shared by both servers."""
    from graphdb.repository.artifacts import encode_cursor

    pairs = [
        (r["a"], r["b"])
        for r in driver.execute_query("MATCH (c:Comparison) RETURN c.aSlug AS a, c.bSlug AS b ORDER BY c.id")[0]
    ]
    slugs = [
        r["s"]
        for r in driver.execute_query("MATCH (a:Artifact {mentionedOnly: false}) RETURN a.slug AS s ORDER BY s")[0]
    ]
    keys = [
        (r["k"], r["s"])
        for r in driver.execute_query("MATCH (a:Artifact) RETURN coalesce(a.rank, -1) AS k, a.slug AS s ORDER BY s")[0]
    ]
    chosen_pairs = [tuple(rng.sample(pair, 2)) for pair in rng.choices(pairs, k=size)]  # random order too

    def graphql(query: str, variables: dict) -> bytes:
        return json.dumps({"query": query, "variables": variables}, separators=(",", ":")).encode()

    after = [None if rng.random() < 0.1 else encode_cursor("RANK", k, s) for k, s in rng.choices(keys, k=size)]
    return {
        "artifact": [graphql(ARTIFACT_PAGE, {"slug": s}) for s in rng.choices(slugs, k=size)],
        "compare": [graphql(COMPARE_PAGE, {"a": a, "b": b}) for a, b in chosen_pairs],
        "artifacts50": [graphql(ARTIFACTS_PAGE, {"first": 50, "after": c}) for c in after],
        "bare_compare": [json.dumps({"a": a, "b": b}).encode() for a, b in chosen_pairs],
    }


# ------------------------------------------------------------------------- load generator ---


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    length, chunked = None, False
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if not chunked:
        return status, await reader.readexactly(length or 0)
    parts = []
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        parts.append(await reader.readexactly(size + 2))
        if size == 0:
            return status, b"".join(parts)


async def _load(spec: dict) -> dict:
    host, port, path = spec["host"], spec["port"], spec["path"]
    bodies = [body.encode() for body in spec["bodies"]]
    graphql = spec["graphql"]
    header = (
        f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\nAccept: application/json\r\n"
    ).encode()
    requests = [header + b"Content-Length: %d\r\n\r\n" % len(body) + body for body in bodies]
    latencies: list[float] = []
    errors: list[str] = []
    issued = 0
    started = time.perf_counter()
    deadline = started + spec["seconds"]
    last_done = started

    def next_index() -> int | None:
        nonlocal issued
        if issued >= spec["requests"] or time.perf_counter() >= deadline:
            return None
        issued += 1
        return issued - 1

    def failed(reason: str) -> None:
        errors.append(reason)

    async def raw_client() -> None:
        nonlocal last_done
        reader = writer = None
        while (index := next_index()) is not None:
            sent = time.perf_counter()
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection(host, port)
                writer.write(requests[index % len(requests)])
                status, body = await _read_response(reader)
                if status != 200:
                    failed(f"HTTP {status}: {body[:200]!r}")
                elif graphql and b'"errors"' in body:
                    failed(body[:300].decode(errors="replace"))
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError, IndexError) as error:
                failed(f"{type(error).__name__}: {error}")
                if writer is not None:
                    writer.close()
                reader = writer = None
            last_done = time.perf_counter()
            latencies.append(last_done - sent)
        if writer is not None:
            writer.close()

    async def httpx_clients(n: int) -> None:
        import httpx

        nonlocal last_done
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        limits = httpx.Limits(max_connections=n, max_keepalive_connections=n)
        async with httpx.AsyncClient(base_url=f"http://{host}:{port}", limits=limits, timeout=60) as client:

            async def one() -> None:
                nonlocal last_done
                while (index := next_index()) is not None:
                    sent = time.perf_counter()
                    try:
                        response = await client.post(path, content=bodies[index % len(bodies)], headers=headers)
                        if response.status_code != 200:
                            failed(f"HTTP {response.status_code}: {response.text[:200]}")
                        elif graphql and b'"errors"' in response.content:
                            failed(response.text[:300])
                    except httpx.HTTPError as error:
                        failed(f"{type(error).__name__}: {error}")
                    last_done = time.perf_counter()
                    latencies.append(last_done - sent)

            await asyncio.gather(*(one() for _ in range(n)))

    cpu_before = time.process_time()
    if spec["client"] == "httpx":
        await httpx_clients(spec["clients"])
    else:
        await asyncio.gather(*(raw_client() for _ in range(spec["clients"])))
    elapsed = max(last_done - started, 1e-9)
    latencies.sort()
    return {
        "requests": len(latencies),
        "elapsed_s": elapsed,
        "errors": len(errors),
        "error_samples": errors[:3],
        "p50_ms": _percentile(latencies, 50) * 1000,
        "p99_ms": _percentile(latencies, 99) * 1000,
        "mean_ms": (sum(latencies) / len(latencies) * 1000) if latencies else math.nan,
        "max_ms": (latencies[-1] * 1000) if latencies else math.nan,
        "loadgen_cpu_s": time.process_time() - cpu_before,
    }


def _percentile(ordered: list[float], q: float) -> float:
    """Nearest-rank percentile of an ordered list."""
    if not ordered:
        return math.nan
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))]


def loadgen_main() -> int:
    """`--loadgen`: one cell, its spec as JSON on stdin, its result as JSON on stdout."""
    spec = json.loads(sys.stdin.read())
    try:
        import uvloop

        result = uvloop.run(_load(spec))
    except ImportError:
        result = asyncio.run(_load(spec))
    json.dump(result, sys.stdout)
    return 0


def drive(
    port: int, path: str, bodies: list[bytes], clients: int, requests: int, seconds: float, graphql: bool, client: str
) -> dict:
    spec = {
        "host": "127.0.0.1",
        "port": port,
        "path": path,
        "bodies": [b.decode() for b in bodies],
        "clients": clients,
        "requests": requests,
        "seconds": seconds,
        "graphql": graphql,
        "client": client,
    }
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.api_bench", "--loadgen"],
        input=json.dumps(spec),
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"load generator failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout)


# ------------------------------------------------------------------------------- servers ---


def cpu_seconds(pid: int | None) -> float:
    """User + system CPU of a process (its threads included), from /proc."""
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def machine_busy_seconds() -> float:
    """CPU seconds all cores spent busy since boot (everything but idle and iowait), from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


class Served:
    """A uvicorn server subprocess on a free loopback port."""

    def __init__(self, name: str, command: list[str], port: int, env: dict, log_path: Path):
        self.name, self.port = name, port
        self.log_path = log_path
        self.log = open(log_path, "wb")  # noqa: SIM115 - open for the server process's lifetime, closed in stop()
        self.process = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def wait_ready(self, timeout: float = 60) -> None:
        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {self.log_path.read_text()[-2000:]}")
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise RuntimeError(
            f"{self.name} did not answer /healthz within {timeout}s: {self.log_path.read_text()[-2000:]}"
        )

    def round_trips(self) -> int:
        import httpx

        if self.name == "bare":
            return httpx.get(f"http://127.0.0.1:{self.port}/stats", timeout=10).json()["round_trips"]
        text = httpx.get(f"http://127.0.0.1:{self.port}/metrics", timeout=10).text
        for line in text.splitlines():
            if line.startswith("matchgraph_cypher_round_trips_total"):
                return int(float(line.split()[-1]))
        raise RuntimeError("/metrics has no matchgraph_cypher_round_trips_total")

    def stop(self, timeout: float = 60) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # uvicorn's graceful shutdown (cProfile then writes its file)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


# Runs a server with cProfile on the event loop's thread between SIGUSR1 and SIGUSR2 (the dump).
# argv: the dump's path, the target ("matchgraph" or "bare"), then the server's own arguments.
# cProfile's own clock is wall time (a CPU-time clock through a Python callable multiplies its
# overhead by five): on shared cores, a descheduled moment is charged to the function that was running.
PROFILED_SERVE = """
import cProfile, signal, sys
path, target = sys.argv.pop(1), sys.argv.pop(1)
profile = cProfile.Profile()
signal.signal(signal.SIGUSR1, lambda *_: profile.enable())
def stop(*_):
    profile.disable()
    profile.dump_stats(path)
signal.signal(signal.SIGUSR2, stop)
if target == "matchgraph":
    from graph_service.cli import main
    sys.argv[0] = "matchgraph"
    main()
else:
    from benchmarks.bare_endpoint import main
    main(sys.argv[1:])
"""


def matchgraph_command(port: int, profile_to: Path | None = None) -> list[str]:
    """`matchgraph serve` (the installed console script when there is one)."""
    serve = ["serve", "--host", "127.0.0.1", "--port", str(port)]
    if profile_to is not None:
        return [sys.executable, "-c", PROFILED_SERVE, str(profile_to), "matchgraph", *serve]
    script = Path(sys.executable).parent / "matchgraph"
    if script.exists():
        return [str(script), *serve]
    return [
        sys.executable,
        "-c",
        "import sys; from graph_service.cli import main; sys.argv[0] = 'matchgraph'; main()",
        *serve,
    ]


def bare_command(port: int, profile_to: Path | None = None) -> list[str]:
    if profile_to is not None:
        return [sys.executable, "-c", PROFILED_SERVE, str(profile_to), "bare", "--port", str(port)]
    return [sys.executable, "-m", "benchmarks.bare_endpoint", "--port", str(port)]


def profile_server(
    name: str, page: str, command, env: dict, home: Path, path: str, bodies: list[bytes], args, log
) -> dict:
    """cProfile of one server under one page at 16 clients, after a warm-up."""
    from graphdb.neo4j_local import free_port

    log(f"profiling {name} (cProfile) under the {PAGE_LABELS[page]} at 16 clients…")
    dump = home / f"{name}-{page}.prof"
    server = Served(name, command(port := free_port(), dump), port, env, home / f"{name}-{page}-profiled.log")
    try:
        server.wait_ready()
        graphql = name == "matchgraph"
        drive(port, path, bodies, 16, args.warmup_requests, args.warmup_seconds, graphql, args.client)
        args.quiet.wait()
        server.process.send_signal(signal.SIGUSR1)
        time.sleep(0.3)
        done = drive(port, path, bodies, 16, args.requests, args.seconds, graphql, args.client)
        server.process.send_signal(signal.SIGUSR2)
        deadline = time.monotonic() + 30
        while not dump.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1)  # let the dump finish
    finally:
        server.stop()
    profile = summarise_profile(dump, done["requests"])
    profile["throughput_under_profiler_rps"] = round(done["requests"] / done["elapsed_s"], 1)
    profile["errors"] = done["errors"]
    return profile


def check_answers(port: int, bodies: dict[str, list[bytes]], bare_port: int) -> None:
    """A few requests per page, checked in full before any load (a benchmark of errors is no benchmark)."""
    import httpx

    with httpx.Client(timeout=60) as client:
        for page in PAGES:
            for body in bodies[page][:3]:
                answer = client.post(
                    f"http://127.0.0.1:{port}/graphql", content=body, headers={"Content-Type": "application/json"}
                ).json()
                assert "errors" not in answer, answer["errors"]
                field = {"artifact": "artifact", "compare": "compare", "artifacts50": "artifacts"}[page]
                assert answer["data"][field], f"{page}: empty answer for {body[:200]!r}"
        for body in bodies["bare_compare"][:3]:
            answer = client.post(f"http://127.0.0.1:{bare_port}/compare", content=body).json()
            assert answer["compare"], f"bare: no page for {body!r}"


class Quiet:
    """Waits until the machine's cores are idle but for `threshold` of one, within a budget for the whole run.

    The benchmark's own processes are idle between cells, so what is busy then is someone else's work
    (another test run on a shared machine); measuring through it would measure them too. Once the
    budget is spent the benchmark goes on, and each cell's `other` column says how busy it was.
    """

    def __init__(self, budget_s: float, threshold: float = 0.4):
        self.left, self.threshold = budget_s, threshold

    def wait(self) -> float:
        while True:
            before, started = machine_busy_seconds(), time.perf_counter()
            time.sleep(0.5)
            load = (machine_busy_seconds() - before) / (time.perf_counter() - started)
            if load <= self.threshold or self.left <= 0:
                return round(load, 2)
            time.sleep(1.5)
            self.left -= 2


def measure(
    server: Served, neo4j_pid: int | None, path: str, bodies: list[bytes], clients: int, args, graphql: bool
) -> dict:
    idle_load = args.quiet.wait()
    trips = server.round_trips()
    cpu = (cpu_seconds(server.process.pid), cpu_seconds(neo4j_pid), machine_busy_seconds(), time.perf_counter())
    result = drive(server.port, path, bodies, clients, args.requests, args.seconds, graphql, args.client)
    cpu = (
        cpu_seconds(server.process.pid) - cpu[0],
        cpu_seconds(neo4j_pid) - cpu[1],
        machine_busy_seconds() - cpu[2],
        time.perf_counter() - cpu[3],
    )
    trips = server.round_trips() - trips
    seconds = result["elapsed_s"]
    # Everything else that ran on the machine meanwhile (the load generator's start-up, other users).
    other = max(0.0, cpu[2] - cpu[0] - cpu[1] - result["loadgen_cpu_s"]) / cpu[3]
    return {
        "requests": result["requests"],
        "seconds": round(seconds, 2),
        "throughput_rps": round(result["requests"] / seconds, 1),
        "p50_ms": round(result["p50_ms"], 2),
        "p99_ms": round(result["p99_ms"], 2),
        "mean_ms": round(result["mean_ms"], 2),
        "max_ms": round(result["max_ms"], 2),
        "errors": result["errors"],
        "error_samples": result["error_samples"],
        "round_trips_per_request": round(trips / max(1, result["requests"]), 2),
        "cpu_cores": {
            "server": round(cpu[0] / seconds, 2),
            "neo4j": round(cpu[1] / seconds, 2),
            "loadgen": round(result["loadgen_cpu_s"] / seconds, 2),
            "other": round(other, 2),
        },
        "server_cpu_ms_per_request": round(cpu[0] * 1000 / max(1, result["requests"]), 2),
        "machine_load_before_cores": idle_load,
    }


# ------------------------------------------------------------------------------- profile ---

PACKAGES = (
    "graphql",
    "strawberry",
    "neo4j",
    "starlette",
    "uvicorn",
    "httptools",
    "prometheus_client",
    "pydantic",
    "cross_web",
    "asyncio",
    "json",
    "graph_service",
    "ingest",
    "logging",
    "uvloop",
    "typing",
    "inspect",
    "dataclasses",
    "enum",
    "re",
    "email",
)


def _package(filename: str) -> str:
    if filename == "~":
        return "builtins (C)"
    parts = Path(filename).parts
    if "site-packages" in parts:
        return parts[parts.index("site-packages") + 1].removesuffix(".py")
    for package in PACKAGES:
        if package in parts or Path(filename).stem == package:
            return package
    return Path(filename).stem


# Where a request's time goes, as cumulative time of a few functions (coroutines count only while they run).
PHASES = (
    ("strawberry HTTP view (all of /graphql)", "strawberry/http/async_base_view.py", "run"),
    ("GraphQL operation (schema.execute)", "strawberry/schema/schema.py", "execute"),
    ("  parse + validate + extension hooks", "strawberry/schema/schema.py", "_prepare_operation_async"),
    ("    graphql-core validate(), every pass", "graphql/validation/validate.py", "validate"),
    ("    graphql-core parse()", "graphql/language/parser.py", "parse"),
    ("    matchgraph cost check", "graph_service/api/limits.py", "cost_errors"),
    ("  execution (resolvers, completion)", "strawberry/schema/schema.py", "_execute_operation"),
    ("neo4j driver execute_query", "neo4j/_async/driver.py", "execute_query"),
    ("response JSON encoding", "strawberry/http/async_base_view.py", "encode_json_string"),
    ("bare endpoint handler", "benchmarks/bare_endpoint.py", "compare"),
)


def summarise_profile(path: Path, requests: int, top: int = 25) -> dict:
    """Own time (tottime) per package, a few phases (cumulative) and the most expensive functions, per request."""
    stats = pstats.Stats(str(path))
    phases = {}
    for label, suffix, function in PHASES:
        matches = [
            cum
            for (filename, _, name), (_, _, _, cum, _) in stats.stats.items()
            if name == function and filename.replace(os.sep, "/").endswith(suffix)
        ]
        if matches:
            phases[label] = round(max(matches) * 1000 / max(1, requests), 3)
    total = 0.0
    by_package: dict[str, float] = {}
    functions = []
    for (filename, line, name), (_, calls, tottime, cumtime, _) in stats.stats.items():
        total += tottime
        package = _package(filename)
        by_package[package] = by_package.get(package, 0.0) + tottime
        where = f"{Path(filename).name}:{line}" if filename != "~" else ""
        functions.append((tottime, cumtime, calls, f"{package} {where} {name}".strip()))
    functions.sort(reverse=True)
    per = 1000 / max(1, requests)
    return {
        "profiled_requests": requests,
        "total_ms_per_request": round(total * per, 3),
        "phases_ms_per_request": phases,
        "by_package_ms_per_request": {
            k: round(v * per, 3) for k, v in sorted(by_package.items(), key=lambda kv: -kv[1]) if v * per >= 0.005
        },
        "top_functions": [
            {
                "function": f,
                "own_ms_per_request": round(t * per, 3),
                "cum_ms_per_request": round(c * per, 3),
                "calls_per_request": round(n / max(1, requests), 1),
            }
            for t, c, n, f in functions[:top]
        ],
    }


# ------------------------------------------------------------------- the GraphQL layer alone ---


class ReplayGraph:
    """Answers each (query, parameters) from Neo4j once, then from memory: no driver, no network."""

    def __init__(self, driver):
        self.driver = driver
        self.answers: dict[tuple[str, str], list[dict]] = {}
        self.round_trips = 0

    async def read(self, query: str, **parameters) -> list[dict]:
        self.round_trips += 1
        key = (query, json.dumps(parameters, sort_keys=True, default=str))
        if key not in self.answers:
            records, _, _ = self.driver.execute_query(query, parameters_=parameters, database_="neo4j")
            self.answers[key] = [record.data() for record in records]
        return self.answers[key]


async def _asgi_post(app, path: str, body: bytes) -> bytes:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "state": {},
        "headers": [
            (b"host", b"127.0.0.1"),
            (b"content-type", b"application/json"),
            (b"accept", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    received = False
    sent: list[dict] = []

    async def receive():
        nonlocal received
        if received:
            await asyncio.Event().wait()  # no disconnect while the app answers
        received = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message):
        sent.append(message)

    await app(scope, receive, send)
    if sent[0]["status"] != 200:
        raise RuntimeError(f"{path}: HTTP {sent[0]['status']}")
    return b"".join(m.get("body", b"") for m in sent[1:])


def layer_costs(info, bodies: dict[str, list[bytes]], requests: int = 300) -> dict:
    """CPU per compare page through the ASGI app in this process, Neo4j's answers replayed from memory.

    - `as shipped`: `create_app` as `matchgraph serve` runs it;
    - `strawberry caches, no limits`: the same app with strawberry's ParserCache and ValidationCache
      instead of matchgraph's limit extensions (no depth, alias, expansion or cost checks) — a floor
      for what the limits and their caching cost;
    - `bare handler`: benchmarks.bare_endpoint on the same replayed answers.
    """
    from functools import partial

    from strawberry.extensions import MaxTokensLimiter, ParserCache, ValidationCache

    import graph_service.api.endpoint as endpoint
    from benchmarks import bare_endpoint
    from graph_service.api.errors import INTERNAL_ERROR, should_mask
    from graph_service.api.limits import MaskInternalErrors
    from graph_service.app import create_app
    from graphdb.config import Settings
    from graphdb.driver import sync_driver

    settings = Settings(neo4j_uri=info.uri, neo4j_password=info.password, rate_limit_anonymous=0, _env_file=None)

    def cached_extensions(s):
        return [
            partial(MaxTokensLimiter, max_token_count=s.max_query_tokens),
            partial(MaskInternalErrors, should_mask_error=should_mask, error_message=INTERNAL_ERROR),
            partial(ParserCache, maxsize=256),
            partial(ValidationCache, maxsize=256),
        ]

    with sync_driver(info) as driver:
        replay = ReplayGraph(driver)
        shipped = create_app(settings)
        shipped.state.matchgraph.graph = replay
        original = endpoint.query_limit_extensions
        endpoint.query_limit_extensions = cached_extensions
        try:
            cached = create_app(settings)
        finally:
            endpoint.query_limit_extensions = original
        cached.state.matchgraph.graph = replay
        bare = bare_endpoint.create_app(settings, graph=replay)
        variants = {
            "as shipped": (shipped, "/graphql", bodies["compare"][:50]),
            "strawberry caches, no limits": (cached, "/graphql", bodies["compare"][:50]),
            "bare handler": (bare, "/compare", bodies["bare_compare"][:50]),
        }

        async def measure_all() -> dict:
            costs = {}
            for name, (app, path, sample) in variants.items():
                for body in sample:  # records the answers, warms every cache
                    await _asgi_post(app, path, body)
                best = math.inf
                for _ in range(3):
                    started = time.thread_time()
                    for i in range(requests):
                        await _asgi_post(app, path, sample[i % len(sample)])
                    best = min(best, (time.thread_time() - started) / requests)
                costs[name] = round(best * 1000, 3)
            return costs

        costs = asyncio.run(measure_all())
    return {
        "note": "compare page, CPU ms per request in one process (thread time, best of 3 x "
        f"{requests}); Neo4j answers replayed from memory, so the driver and HTTP costs are not in it",
        "cpu_ms_per_request": costs,
    }


# ----------------------------------------------------------------------------------- run ---


def code_version() -> dict:
    """The commit and whether the server's code differs from it (other people edit the tree while this runs)."""

    def git(*command: str) -> str:
        done = subprocess.run(["git", *command], cwd=REPO, capture_output=True, text=True, check=False)
        return done.stdout.strip()

    return {
        "commit": git("rev-parse", "--short", "HEAD"),
        "uncommitted": git("status", "--porcelain", "--", "graph_service", "ingest", "benchmarks/bare_endpoint.py"),
    }


def run(args) -> dict:
    import httpx  # noqa: F401 - fail early when missing

    from graphdb.neo4j_local import NEO4J_VERSION, free_port

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    clock = time.perf_counter()
    started_with = code_version()
    result: dict = {
        "code": started_with,
        "machine": {
            "python": platform.python_version(),
            "cpu": platform.processor() or platform.machine(),
            "cores": os.cpu_count(),
            "neo4j": NEO4J_VERSION,
            "neo4j_heap": args.heap,
        },
        "settings": {
            "artifacts": args.artifacts,
            "ingest_documents": args.ingest_documents,
            "requests": args.requests,
            "seconds": args.seconds,
            "clients": args.clients,
            "client": args.client,
            "seed": args.seed,
        },
    }
    with temporary_neo4j(args.heap, log=log, prefix="matchgraph-api-bench-") as neo4j:
        home = neo4j.home
        servers: list[Served] = []
        try:
            log(f"building the graph ({args.artifacts} artifacts)…")
            result["graph"] = build_graph(neo4j.driver, args.artifacts, args.ingest_documents, log)
            bodies = workloads(neo4j.driver, random.Random(args.seed), args.pool)
            neo4j_pid = neo4j.server.running_pid()
            env = {
                **os.environ,
                "NEO4J_URI": neo4j.info.uri,
                "NEO4J_USER": "neo4j",
                "NEO4J_PASSWORD": neo4j.info.password,
                "NEO4J_DATABASE": "neo4j",
                "MATCHGRAPH_RATE_LIMIT_ANONYMOUS": "0",
                "MATCHGRAPH_DATA_DIR": str(home / "data"),
                "PYTHONPATH": str(REPO),
            }
            mg = Served("matchgraph", matchgraph_command(port := free_port()), port, env, home / "matchgraph.log")
            servers.append(mg)
            bare = Served("bare", bare_command(bare_port := free_port()), bare_port, env, home / "bare.log")
            servers.append(bare)
            mg.wait_ready()
            bare.wait_ready()
            check_answers(mg.port, bodies, bare.port)

            log("warming up…")
            for page in PAGES:
                drive(
                    mg.port, "/graphql", bodies[page], 16, args.warmup_requests, args.warmup_seconds, True, args.client
                )
            drive(
                bare.port,
                "/compare",
                bodies["bare_compare"],
                16,
                args.warmup_requests,
                args.warmup_seconds,
                False,
                args.client,
            )

            cells = []
            for clients in args.clients:
                for page in PAGES:
                    cell = measure(mg, neo4j_pid, "/graphql", bodies[page], clients, args, True)
                    cells.append({"server": "matchgraph", "page": page, "clients": clients, **cell})
                    log(_row(cells[-1]))
                    if page == "compare":  # back to back, so both see the same machine state
                        cell = measure(bare, neo4j_pid, "/compare", bodies["bare_compare"], clients, args, False)
                        cells.append({"server": "bare", "page": "compare", "clients": clients, **cell})
                        log(_row(cells[-1]))
            result["cells"] = cells
            result["acceptance"] = acceptance(cells, args.clients)
            log("the GraphQL layer alone (in process, replayed answers)…")
            result["layer_costs"] = layer_costs(neo4j.info, bodies)

            if args.profile:
                for server in (mg, bare):  # one server at a time on the cores
                    server.stop()
                    servers.remove(server)
                result["profile"] = {
                    "note": "cProfile (wall clock) of the event loop's thread over one cell at 16 clients per "
                    "server and page, after a warm-up; per measured request. cProfile inflates Python-heavy "
                    "code: read shares and the difference between the two servers, not absolute times",
                    "matchgraph": {
                        page: profile_server(
                            "matchgraph", page, matchgraph_command, env, home, "/graphql", bodies[page], args, log
                        )
                        for page in args.profile_pages
                    },
                    "bare": {
                        "compare": profile_server(
                            "bare", "compare", bare_command, env, home, "/compare", bodies["bare_compare"], args, log
                        )
                    },
                }
        finally:
            for server in servers:
                server.stop()
    result["runtime_s"] = round(time.perf_counter() - clock, 1)
    if code_version() != started_with:
        result["code"]["changed_during_run"] = code_version()
        log("warning: the code changed while the benchmark ran; cells may mix versions")
    return result


def acceptance(cells: list[dict], clients: list[int]) -> dict:
    def cell(server: str, page: str, n: int) -> dict | None:
        return next((c for c in cells if c["server"] == server and c["page"] == page and c["clients"] == n), None)

    ratios = {}
    for n in clients:
        mg, bare = cell("matchgraph", "compare", n), cell("bare", "compare", n)
        if mg and bare:
            ratios[str(n)] = round(mg["throughput_rps"] / bare["throughput_rps"], 3)
    tails, needed = {}, {}
    for server in ("matchgraph", "bare"):
        one, sixteen = cell(server, "compare", 1), cell(server, "compare", 16)
        if one and sixteen:
            tails[server] = round(sixteen["p99_ms"] / one["p50_ms"], 2)
            # Closed loop (Little's law): mean latency at 16 clients = 16 / throughput, and p99 >= mean,
            # so p99 <= 3 x p50(1) needs at least this throughput at 16 clients.
            needed[server] = {
                "throughput_needed_rps": round(16 / (3 * one["p50_ms"] / 1000), 1),
                "throughput_measured_rps": sixteen["throughput_rps"],
                "server_cpu_ms_per_request_allowed_on_one_core": round(3 * one["p50_ms"] / 16, 2),
                "server_cpu_ms_per_request_measured": sixteen["server_cpu_ms_per_request"],
            }
    return {
        "compare_throughput_graphql_over_bare": {
            "by_clients": ratios,
            "target_min": 0.5,
            "met": bool(ratios) and all(r >= 0.5 for r in ratios.values()),
        },
        "compare_p99_16_over_p50_1": {
            "by_server": tails,
            "target_max": 3.0,
            "met": "matchgraph" in tails and tails["matchgraph"] <= 3.0,
            "littles_law": needed,
        },
    }


def _row(c: dict) -> str:
    cpu = c["cpu_cores"]
    server = "GraphQL" if c["server"] == "matchgraph" else "bare"
    return (
        f"  {server:<8} {PAGE_LABELS[c['page']]:<21} {c['clients']:>3}  {c['requests']:>6} {c['throughput_rps']:>8.1f} "
        f"{c['p50_ms']:>8.1f} {c['p99_ms']:>8.1f} {c['errors']:>4} {c['round_trips_per_request']:>6.2f} "
        f"{c['server_cpu_ms_per_request']:>7.2f}   {cpu['server']:.2f}/{cpu['neo4j']:.2f}/{cpu['loadgen']:.2f}/{cpu['other']:.2f}"
    )


HEADER = (
    f"  {'server':<8} {'page':<21} {'cli':>3}  {'reqs':>6} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'err':>4} "
    f"{'trips':>6} {'cpu ms':>7}   cores srv/neo4j/gen/other"
)


def print_report(result: dict) -> None:
    g = result["graph"]
    print(
        f"\n{g['artifacts']:,} artifacts ({g['described_artifacts']:,} described; {g['ingested_documents']} documents "
        f"ingested, {g['cypher_artifacts']:,} artifacts by Cypher), {g['capabilities']:,} capabilities, "
        f"{g['comparisons']:,} comparisons, {g['nodes']:,} nodes, {g['relationships']:,} relationships"
    )
    m = result["machine"]
    print(
        f"{m['cores']} cores shared by Neo4j, the server (uvicorn, 1 worker) and the load generator (own process); "
        f"'cores' = CPU used / wall time"
    )
    print(HEADER)
    for c in result["cells"]:
        print(_row(c))
    a = result["acceptance"]
    t = a["compare_throughput_graphql_over_bare"]
    print(
        "\ncompare page, GraphQL / bare throughput: "
        + ", ".join(f"{n} clients {r:.0%}" for n, r in t["by_clients"].items())
        + f"  (target >= 50%: {'met' if t['met'] else 'NOT met'})"
    )
    p = a["compare_p99_16_over_p50_1"]
    print(
        "compare page, p99 at 16 clients / p50 at 1 client: "
        + ", ".join(f"{s} {r:.1f}x" for s, r in p["by_server"].items())
        + f"  (target <= 3x for matchgraph: {'met' if p['met'] else 'NOT met'})"
    )
    for server, n in p.get("littles_law", {}).items():
        print(
            f"  {server}: <= 3x needs >= {n['throughput_needed_rps']:.0f} req/s at 16 clients (closed loop: mean "
            f"latency = 16 / throughput), i.e. <= {n['server_cpu_ms_per_request_allowed_on_one_core']:.1f} ms of "
            f"server CPU per request on its one core; measured {n['throughput_measured_rps']:.0f} req/s, "
            f"{n['server_cpu_ms_per_request_measured']:.1f} ms"
        )
    if "layer_costs" in result:
        costs = result["layer_costs"]
        print(f"\n{costs['note']}:\n  " + ", ".join(f"{k} {v:.2f} ms" for k, v in costs["cpu_ms_per_request"].items()))
    if "profile" in result:
        print(f"\nprofile: {result['profile']['note']}")
        runs = [(f"matchgraph {PAGE_LABELS[page]}", prof) for page, prof in result["profile"]["matchgraph"].items()]
        runs.append(("bare compare page", result["profile"]["bare"]["compare"]))
        for label, prof in runs:
            print(
                f"  {label}: {prof['total_ms_per_request']:.2f} ms own time per request "
                f"({prof['throughput_under_profiler_rps']:.1f} req/s under the profiler)"
            )
            print(
                "    by package: "
                + ", ".join(f"{k} {v:.2f}" for k, v in list(prof["by_package_ms_per_request"].items())[:8])
            )
            print(
                "    phases (cumulative): "
                + ", ".join(f"{k.strip()} {v:.2f}" for k, v in prof["phases_ms_per_request"].items())
            )
        compare = result["profile"]["matchgraph"].get("compare")
        if compare:
            print("  matchgraph compare page, top functions by own time (ms/request):")
            for f in compare["top_functions"][:10]:
                print(
                    f"  {f['own_ms_per_request']:>7.3f} own {f['cum_ms_per_request']:>7.3f} cum "
                    f"{f['calls_per_request']:>7.1f} calls  {f['function']}"
                )
    print(
        f"\nruntime {result['runtime_s']:.0f}s, code at {result['code']['commit']}"
        + (" (changed during the run!)" if "changed_during_run" in result["code"] else "")
    )


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv == ["--loadgen"]:
        return loadgen_main()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--artifacts", type=int, default=10_000)
    parser.add_argument(
        "--ingest-documents",
        type=int,
        default=200,
        help="synthetic documents written by the real ingester (the rest is built by Cypher)",
    )
    parser.add_argument("--requests", type=int, default=2000, help="at most this many requests per cell")
    parser.add_argument("--seconds", type=float, default=15, help="at most this long per cell")
    parser.add_argument("--clients", type=lambda s: [int(x) for x in s.split(",")], default=[1, 16, 64])
    parser.add_argument("--warmup-requests", type=int, default=300)
    parser.add_argument("--warmup-seconds", type=float, default=4)
    parser.add_argument("--pool", type=int, default=5000, help="distinct requests per page (cycled)")
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=45,
        help="seconds, in all, to wait before cells for other work on the machine to stop",
    )
    parser.add_argument("--client", choices=("raw", "httpx"), default="raw")
    parser.add_argument("--heap", default="2g")
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--no-profile", dest="profile", action="store_false")
    parser.add_argument(
        "--profile-pages",
        type=lambda s: [p for p in s.split(",") if p in PAGES],
        default=list(PAGES),
        help="pages to profile matchgraph under (comma-separated)",
    )
    parser.add_argument("--out", type=Path, default=RESULTS / "api.json")
    args = parser.parse_args(argv)
    args.quiet = Quiet(args.quiet_wait)
    result = run(args)
    print_report(result)
    write_results(args.out, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
