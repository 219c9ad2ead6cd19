"""Fetching the Neo4j Community server and Neo4j Browser jars from Maven Central, once.

`pom.xml` beside this file names the two artifacts; Maven copies their runtime jars into
`<cache dir>/neo4j/<version>/lib`, outside any repository. A lock file keeps two processes (the
demo and the test suite, say) from fetching at the same time, and the folder only appears, by a
rename, once the copy is complete.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

from graphdb.config import load_settings
from graphdb.package_data import package_path

NEO4J_VERSION = "5.26.30"
BROWSER_VERSION = "5.24.0"
POM = package_path("graphdb.neo4j_local", "pom.xml")


class Neo4jSetupError(Exception):
    """Something the local Neo4j needs is missing or failed; the message says what to do."""


def jar_dir(cache_dir: Path, version: str = NEO4J_VERSION) -> Path:
    return cache_dir / "neo4j" / version / "lib"


@contextmanager
def _exclusive(lock_path: Path):
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_jars(cache_dir: Path, version: str = NEO4J_VERSION, log=print) -> Path:
    """Returns the folder of Neo4j jars, fetching them with Maven on first use."""
    target = jar_dir(cache_dir, version)
    if (target / f"neo4j-server-{version}.jar").exists():
        return target
    mvn = shutil.which("mvn")
    if mvn is None:
        raise Neo4jSetupError(
            "Maven ('mvn') is needed once to fetch the Neo4j jars from Maven Central, and it is not on PATH. "
            "Install Maven (e.g. apt-get install maven) or set NEO4J_URI to use an existing Neo4j server."
        )
    with _exclusive(target.parent / ".fetch.lock"):
        if (target / f"neo4j-server-{version}.jar").exists():  # another process finished meanwhile
            return target
        log(
            f"Fetching Neo4j Community {version} and Neo4j Browser {BROWSER_VERSION} from Maven Central (~140 MB, once)…"
        )
        staging = Path(tempfile.mkdtemp(prefix="lib-", dir=target.parent))
        command = [
            mvn,
            "-B",
            "-q",
            "-f",
            str(POM),
            "dependency:copy-dependencies",
            "-DincludeScope=runtime",
            f"-DoutputDirectory={staging}",
            f"-Dneo4j.version={version}",
        ]
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0 or not (staging / f"neo4j-server-{version}.jar").exists():
            shutil.rmtree(staging, ignore_errors=True)
            detail = (result.stdout + result.stderr).strip()[-2000:]
            raise Neo4jSetupError(f"Maven could not fetch the Neo4j jars (exit {result.returncode}):\n{detail}")
        shutil.rmtree(target, ignore_errors=True)
        staging.rename(target)
        log(f"Neo4j jars cached in {target}")
    return target


def java_executable() -> str:
    """The `java` to run Neo4j with: $JAVA_HOME/bin/java, else the one on PATH (Java 17 or 21)."""
    home = os.environ.get("JAVA_HOME")
    candidate = str(Path(home) / "bin" / "java") if home else shutil.which("java")
    if not candidate or not Path(candidate).exists():
        raise Neo4jSetupError(
            "Java 17 or 21 is needed to run the local Neo4j, and no 'java' was found (set JAVA_HOME)."
        )
    probe = subprocess.run([candidate, "-version"], capture_output=True, text=True)
    text = probe.stderr + probe.stdout
    major = _java_major(text)
    if major not in (17, 21):
        raise Neo4jSetupError(
            f"Neo4j 5.26 runs on Java 17 or 21; {candidate} is {text.splitlines()[0] if text else 'unknown'}."
        )
    return candidate


def _java_major(version_output: str) -> int | None:
    match = re.search(r'version "(\d+)(?:\.(\d+))?', version_output)
    if not match:
        return None
    first = int(match.group(1))
    return int(match.group(2)) if first == 1 and match.group(2) else first


if __name__ == "__main__":  # python -m graphdb.neo4j_local.jars: pre-fetch (CI warm-up)
    print(ensure_jars(load_settings().cache_dir, log=lambda m: print(m, file=sys.stderr)))
