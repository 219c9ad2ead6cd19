"""matchgraph installs as a package, not only as a checkout.

A wheel built from this checkout carries every data file the code reads (the Cypher schema, the SDL,
the page documents, the taxonomy, the probe specs, the Neo4j pom, the sample corpus). Installed
non-editable and without dependencies into a fresh virtual environment, it runs `matchgraph
--version` and finds all of that data inside the installation, from a folder outside the checkout;
its schema is applied to the test Neo4j the way the CLI applies it.

The fresh venv sees the test venv's packages (torch and the rest are not reinstalled) through a path
line in a .pth file; the test venv's own .pth files, its editable matchgraph among them, are not run
there. The wheel is built by setuptools' PEP 517 backend in a copy of the checkout (so no build/ or
egg-info lands in it), and installed by uv, which scripts/bootstrap.sh puts in the cache folder.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
import textwrap
import tomllib
import zipfile
from pathlib import Path

import pytest
from conftest import REPO, cli_env

from corpus import rejects_folder, sample_folder
from embed.taxonomy import load_taxonomy
from graphdb.config import Settings
from graphdb.schema import load_schema
from ingest.pipeline import expand_paths
from probes.specs import builtin_specs

VERSION = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]

# Run by the installed package's Python, from outside the checkout: what it loads and from where.
PROBE = textwrap.dedent(
    """
    import json, sys

    import corpus, schema
    import graph_service.cli
    from embed.taxonomy import TAXONOMY_PATH, load_taxonomy
    from graph_service.api.sdl import SDL_PATH, current_sdl
    from graph_service.commands.common import SAMPLE_CORPUS, open_graph
    from graphdb.config import load_settings
    from graphdb.neo4j_local.jars import POM
    from graphdb.schema import load_schema
    from ingest.pipeline import expand_paths
    from probes.specs import BUILTIN_DIR, builtin_specs

    script = load_schema()
    open_graph(load_settings()).close()  # the CLI's way: connect, apply the schema
    print(json.dumps({
        "modules": [m.__file__ for m in (corpus, schema, graph_service.cli, sys.modules["graphdb"])],
        "files": [str(p) for p in (*schema.cypher_files(), SDL_PATH, TAXONOMY_PATH, BUILTIN_DIR, POM, SAMPLE_CORPUS,
                                    corpus.rejects_folder(), schema.directory() / "pages")],
        "schema": [script.version, script.checksum],
        "sdl_current": SDL_PATH.read_text(encoding="utf-8") == current_sdl(),
        "pages": [len(schema.page_document(name)) for name in ("artifact", "artifacts", "compare")],
        "taxonomy": load_taxonomy().checksum,
        "specs": sorted(spec.name for spec in builtin_specs()),
        "demo_inputs": sorted(p.name for p in expand_paths([SAMPLE_CORPUS, SAMPLE_CORPUS.parent / "rejects"])),
    }))
    """
)


def data_files() -> set[str]:
    """Every data file the code reads, as the checkout has them (wheel paths)."""
    patterns = [
        "schema/*.cypher",
        "schema/schema.graphql",
        "schema/pages/*.graphql",
        "embed/taxonomy.json",
        "probes/specs/*.json",
        "graphdb/neo4j_local/pom.xml",
        "corpus/sample/*",
        "corpus/rejects/*",
    ]
    return {path.relative_to(REPO).as_posix() for pattern in patterns for path in REPO.glob(pattern)}


def find_uv() -> str | None:
    cached = Settings(_env_file=None).cache_dir / "tools" / "bin" / "uv"  # where scripts/bootstrap.sh puts it
    return shutil.which("uv") or (str(cached) if cached.exists() else None)


def copy_sources(target: Path) -> None:
    """The checkout's files as git sees them (tracked, and new ones it does not ignore): what a clone builds."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        check=True,
    )
    for name in filter(None, listed.stdout.decode().split("\0")):
        if (REPO / name).is_file():  # a deleted, not yet committed file is still listed
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, target / name)


def run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"{command[:3]} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    source, dist = tmp_path_factory.mktemp("source"), tmp_path_factory.mktemp("dist")
    copy_sources(source)
    build = "import sys; from setuptools import build_meta; print(build_meta.build_wheel(sys.argv[1]))"
    name = run([sys.executable, "-c", build, str(dist)], cwd=source).strip().splitlines()[-1]
    return dist / name


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    """A new venv holding the wheel, seeing the test venv's dependencies."""
    uv = find_uv()
    if uv is None:
        pytest.skip("uv not found (on PATH or in the cache's tools/bin, where scripts/bootstrap.sh installs it)")
    venv = tmp_path_factory.mktemp("venv")
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=venv)
    python = venv / "bin" / "python"
    site = Path(run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=venv).strip())
    dependencies = {sysconfig.get_paths()[key] for key in ("purelib", "platlib")}
    (site / "test_venv_dependencies.pth").write_text("\n".join(sorted(dependencies)) + "\n", encoding="utf-8")
    run([uv, "pip", "install", "--python", str(python), "--no-deps", "--offline", "--no-cache", str(wheel)], cwd=venv)
    return venv


def outside_checkout(settings: Settings | None = None) -> dict[str, str]:
    """An environment in which nothing points at the checkout (the suite runs with PYTHONPATH=<repo>)."""
    env = cli_env(settings)
    for name in ("PYTHONPATH", "PYTHONHOME", "PYTHONSAFEPATH"):
        env.pop(name, None)
    env["PYTHONNOUSERSITE"] = "1"
    return env


def test_the_wheel_carries_the_code_and_its_data(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert data_files() <= names, f"missing from the wheel: {sorted(data_files() - names)}"
    assert {"schema/__init__.py", "corpus/__init__.py", "graphdb/package_data.py"} <= names  # the accessors
    top_level = {name.split("/")[0] for name in names if not name.startswith("matchgraph-")}
    assert top_level == {"graphdb", "ingest", "embed", "probes", "services", "graph_service", "schema", "corpus"}
    entry_points = zipfile.ZipFile(wheel).read(f"matchgraph-{VERSION}.dist-info/entry_points.txt").decode()
    assert "matchgraph = graph_service.cli:main" in entry_points


def test_the_installed_command_runs_outside_the_checkout(venv, tmp_path):
    out = run([str(venv / "bin" / "matchgraph"), "--version"], cwd=tmp_path, env=outside_checkout())
    assert f"version {VERSION}" in out


def test_the_installed_package_loads_its_own_data(venv, tmp_path, graph, settings):
    before = graph.execute_query("MATCH (s:SchemaVersion {name: 'matchgraph'}) RETURN s.appliedAt AS at").records
    (tmp_path / "probe.py").write_text(PROBE, encoding="utf-8")
    out = run([str(venv / "bin" / "python"), "probe.py"], cwd=tmp_path, env=outside_checkout(settings))
    found = json.loads(out.strip().splitlines()[-1])

    installed = (venv / "lib").resolve()
    for path in found["modules"] + found["files"]:
        resolved = Path(path).resolve()
        assert resolved.is_relative_to(installed) and not resolved.is_relative_to(REPO), path
    for path in found["files"]:
        assert Path(path).exists(), path

    # The same contents as the checkout's.
    checkout_schema = load_schema()
    assert found["schema"] == [checkout_schema.version, checkout_schema.checksum]
    assert found["sdl_current"] and all(found["pages"])
    assert found["taxonomy"] == load_taxonomy().checksum
    assert found["specs"] == sorted(spec.name for spec in builtin_specs())
    demo_inputs = sorted(p.name for p in expand_paths([sample_folder(), rejects_folder()]))
    assert found["demo_inputs"] == demo_inputs and len(demo_inputs) > 30

    # The installed package applied its schema to the test Neo4j.
    after = graph.execute_query(
        "MATCH (s:SchemaVersion {name: 'matchgraph'}) RETURN s.appliedAt AS at, s.version AS version, s.checksum AS sum"
    ).records
    assert [(r["version"], r["sum"]) for r in after] == [tuple(found["schema"])]
    assert after[0]["at"] != before[0]["at"]
