"""A crash in the middle of an ingest: SIGKILL the real `matchgraph ingest` process while it writes,
run it again, and get exactly the graph that one clean run gives."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

from conftest import clear_graph, cli_env
from graph_dump import count_nodes, dump_graph

from benchmarks.synthetic import generate

DOCUMENTS = 240
BATCH = 4


def write_corpus(folder):
    folder.mkdir()
    for name, text in generate(DOCUMENTS, 60, seed=7):
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def documents_in(graph) -> int:
    records, _, _ = graph.execute_query("MATCH (d:Document) RETURN count(d) AS n")
    return records[0]["n"]


def ingest_command(folder):
    # --no-embed: the writer is under test here (the embedding stage has its own crash test).
    return [
        sys.executable,
        "-m",
        "graph_service.cli",
        "ingest",
        "--json",
        "--no-embed",
        "--batch-size",
        str(BATCH),
        str(folder),
    ]


def test_kill_mid_batch_then_rerun_gives_the_clean_graph(graph, settings, tmp_path):
    corpus = write_corpus(tmp_path / "corpus")
    env = cli_env(settings)

    clean = subprocess.run(ingest_command(corpus), env=env, capture_output=True, text=True, timeout=600)
    assert clean.returncode == 0, clean.stderr
    expected = dump_graph(graph)
    assert documents_in(graph) == DOCUMENTS

    clear_graph(graph)
    assert count_nodes(graph) == 0
    victim = subprocess.Popen(ingest_command(corpus), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while documents_in(graph) < DOCUMENTS // 4 and time.monotonic() < deadline and victim.poll() is None:
        time.sleep(0.05)
    assert victim.poll() is None, "the ingest finished before it could be killed; make the corpus larger"
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=30)
    interrupted = documents_in(graph)
    assert 0 < interrupted < DOCUMENTS
    assert interrupted % BATCH == 0, "a batch is one transaction: all of it or none of it"

    rerun = subprocess.run(ingest_command(corpus), env=env, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    import json

    report = json.loads(rerun.stdout)
    assert report["unchanged"] == interrupted and report["ingested"] == DOCUMENTS - interrupted
    assert dump_graph(graph) == expected
