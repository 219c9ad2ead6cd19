"""The ingest pipeline: inputs -> read -> parse -> rows -> graph, in batches, with a report.

Per batch of inputs: read and normalise each one (rejecting what is not text), skip documents the
graph already holds (same content hash: `unchanged`), parse the rest (rejecting what is not a
comparison document), and write the batch in one transaction. If that transaction fails, the batch
is written again one document per transaction, so one bad document cannot take others down, and
the failing one is reported as rejected and leaves nothing behind. Writing batch N overlaps with
preparing batch N+1; batches still commit one at a time, in input order.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from neo4j.exceptions import Neo4jError

from ingest.parser import parse
from ingest.reading import read_document
from ingest.records import Document, RejectedDocument
from ingest.rows import GraphRows, rows_for
from ingest.writer import GraphWriter

log = logging.getLogger("matchgraph.ingest")

DEFAULT_BATCH_SIZE = 100


@dataclass
class Rejection:
    path: str
    reason: str
    code: str = "invalid"


@dataclass
class IngestReport:
    """What happened to each input, as `matchgraph ingest --json` prints it."""

    read: int = 0
    ingested: int = 0
    unchanged: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    partial: list[str] = field(default_factory=list)  # ingested, but truncated
    warnings: dict[str, list[str]] = field(default_factory=dict)  # source -> parser warnings
    seconds: float = 0.0
    # The embedding stage's report, when the caller ran the stage after the writer (the API does).
    embedded: Any = None

    def as_json(self) -> dict:
        """The CLI's report contract (docs/cli.md: read, ingested, unchanged, rejected) plus extra detail."""
        return {
            "read": self.read,
            "ingested": self.ingested,
            "unchanged": self.unchanged,
            "rejected": [{"path": r.path, "reason": r.reason} for r in self.rejected],
            "partial": self.partial,
            "warnings": self.warnings,
            "seconds": round(self.seconds, 3),
        }


@dataclass
class Outcome:
    """One input's fate, for progress displays: ingested, unchanged or rejected."""

    source: str
    status: str
    reason: str = ""


def _batches(items: Iterable, size: int) -> Iterator[list]:
    batch: list = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given, folders walked recursively (sorted; hidden files and folders skipped)."""
    files: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            for candidate in sorted(path.rglob("*")):
                relative = candidate.relative_to(path).parts
                if candidate.is_file() and not any(part.startswith(".") for part in relative):
                    files.append(candidate)
        else:
            files.append(path)
    return files


def read_inputs(files: Iterable[Path]) -> Iterator[tuple[str, bytes | None, str]]:
    for path in files:
        try:
            yield str(path), path.read_bytes(), ""
        except OSError as error:
            yield str(path), None, f"cannot read the file: {error.strerror or error}"


class Ingester:
    """Runs the pipeline against one graph; keeps what it learns (capability owners) across batches."""

    def __init__(self, writer: GraphWriter, batch_size: int = DEFAULT_BATCH_SIZE):
        self.writer = writer
        self.batch_size = max(1, batch_size)
        self._owners: dict[str, str] | None = None
        self._aliases: dict[str, str] | None = None

    @property
    def owners(self) -> dict[str, str]:
        if self._owners is None:
            self._owners = self.writer.capability_owners()
        return self._owners

    @property
    def aliases(self) -> dict[str, str]:
        if self._aliases is None:
            self._aliases = self.writer.described_aliases()
        return self._aliases

    def ingest(
        self, inputs: Iterable[tuple[str, bytes | None, str]], on_outcome: Callable[[Outcome], None] | None = None
    ) -> IngestReport:
        """Ingests ``inputs`` (source, content or None, read error) in batches.

        While one batch is written (Neo4j's work), the next is read and parsed (ours): a single
        writer thread takes the batches in order, one transaction each, at most one in flight.
        """
        report = IngestReport()
        notify = on_outcome or (lambda outcome: None)
        started = time.perf_counter()
        seen: set[str] = set()
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="graph-writer") as write_thread:
            in_flight: Future | None = None
            for batch in _batches(inputs, self.batch_size):
                pending = self._prepare(batch, report, seen, notify)
                if in_flight is not None:
                    self._settle(in_flight.result(), report, seen, notify)
                in_flight = write_thread.submit(self._write, pending) if pending else None
            if in_flight is not None:
                self._settle(in_flight.result(), report, seen, notify)
        report.seconds = time.perf_counter() - started
        return report

    # -- one batch ------------------------------------------------------------------------------
    def _prepare(self, batch, report: IngestReport, seen: set[str], notify) -> list[tuple[Document, GraphRows]]:
        """Reads, de-duplicates and parses one batch; returns what is to be written."""
        documents: list[Document] = []
        for source, data, error in batch:
            report.read += 1
            if data is None:
                self._reject(report, notify, source, error, "unreadable")
                continue
            try:
                documents.append(read_document(data, source))
            except RejectedDocument as rejected:
                self._reject(report, notify, source, rejected.reason, rejected.code)
        existing = self.writer.existing_documents([d.sha256 for d in documents]) if documents else set()

        pending: list[tuple[Document, GraphRows]] = []
        for document in documents:
            if document.sha256 in existing or document.sha256 in seen:
                report.unchanged += 1
                notify(Outcome(document.source, "unchanged"))
                continue
            try:
                record = parse(document, known_owners=self.owners)
                rows = rows_for(record, document, sequence=time.time_ns(), resolve=self.aliases.get)
            except RejectedDocument as rejected:
                self._reject(report, notify, document.source, rejected.reason, rejected.code)
                continue
            except Exception as error:  # a bug of ours must cost one document, not the whole run
                log.exception("internal error while processing %s", document.source)
                reason = (
                    f"internal error while processing the document ({type(error).__name__}: {error}); please report it"
                )
                self._reject(report, notify, document.source, reason, "internal-error")
                continue
            seen.add(document.sha256)
            for row in rows.capabilities:
                self.owners.setdefault(row["id"], row["ownerSlug"])
            for row in rows.described:
                self.aliases.setdefault(row["aliasKey"], row["slug"])
            if record.partial:
                report.partial.append(document.source)
            if record.warnings:
                report.warnings[document.source] = list(record.warnings)
            pending.append((document, rows))
        return pending

    def _write(self, pending: list[tuple[Document, GraphRows]]) -> list[tuple[Document, str]]:
        """Writes a batch in one transaction; on failure, one document per transaction.

        Runs on the writer thread: returns (document, "" or the reason it failed) for each one and
        leaves the report to the caller.
        """
        combined = GraphRows()
        for _, rows in pending:
            combined.extend(rows)
        try:
            self.writer.write(combined)
            return [(document, "") for document, _ in pending]
        except Neo4jError as error:
            if len(pending) == 1:
                return [(pending[0][0], f"the graph refused the document: {error.message}")]
            log.warning("batch write failed (%s); retrying one document per transaction", error.message)
            return [outcome for item in pending for outcome in self._write([item])]

    def _settle(self, outcomes: list[tuple[Document, str]], report: IngestReport, seen: set[str], notify) -> None:
        for document, failure in outcomes:
            if failure:
                seen.discard(document.sha256)
                self._forget(document.source, report)
                self._reject(report, notify, document.source, failure, "write-failed")
            else:
                report.ingested += 1
                notify(Outcome(document.source, "ingested"))

    @staticmethod
    def _forget(source: str, report: IngestReport) -> None:
        if source in report.partial:
            report.partial.remove(source)
        report.warnings.pop(source, None)

    @staticmethod
    def _reject(report: IngestReport, notify, source: str, reason: str, code: str) -> None:
        report.rejected.append(Rejection(source, reason, code))
        notify(Outcome(source, "rejected", reason))
