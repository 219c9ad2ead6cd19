#!/usr/bin/env bash
# Makes sure a virtual environment with the locked dependencies exists and prints its path.
#
# The venv lives outside the clone, under $MATCHGRAPH_CACHE_DIR (default ~/.cache/matchgraph),
# keyed by the hash of requirements.lock: a fresh clone with the same lock reuses it, a changed lock
# gets a new one. Installs go through uv and its download cache, so even a new venv is quick once
# the wheels (torch is large) have been fetched once. Progress goes to stderr; stdout is the path.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${MATCHGRAPH_CACHE_DIR:-$HOME/.cache/matchgraph}
uv_version=0.13.8
python=${MATCHGRAPH_PYTHON:-python3.11}
command -v "$python" >/dev/null 2>&1 || python=python3

say() { printf '[bootstrap] %s\n' "$*" >&2; }

"$python" -c 'import sys; assert sys.version_info[:2] == (3, 11), sys.version' 2>/dev/null || {
  say "matchgraph needs Python 3.11; '$python' is $("$python" --version 2>&1). Set MATCHGRAPH_PYTHON."
  exit 2
}

# 1. uv itself, in a small tools venv.
tools="$cache/tools"
if [ "$("$tools/bin/uv" --version 2>/dev/null | cut -d' ' -f2)" != "$uv_version" ]; then
  say "installing uv $uv_version into $tools"
  rm -rf "$tools"
  "$python" -m venv "$tools"
  "$tools/bin/pip" install --quiet --disable-pip-version-check "uv==$uv_version" >&2
fi
uv="$tools/bin/uv"

# 2. The project venv, keyed by the lock file.
key=$(cat "$repo/requirements.lock" | sha256sum | cut -c1-16)
venv="$cache/venvs/py311-$key"
mkdir -p "$cache/venvs"
# One builder at a time (two shells running `make test` at once must not delete each other's venv).
exec 9>"$cache/venvs/.py311-$key.lock"
flock 9
if [ ! -f "$venv/.matchgraph-complete" ]; then
  say "creating $venv from requirements.lock (first run on this machine: several minutes, torch is large)"
  rm -rf "$venv"
  "$uv" venv --quiet --python "$python" "$venv" >&2
  "$uv" pip sync --python "$venv/bin/python" "$repo/requirements.lock" >&2
  touch "$venv/.matchgraph-complete"
fi

# 3. This checkout, editable, every time: the venv may be shared by several clones.
"$uv" pip install --quiet --python "$venv/bin/python" --no-deps -e "$repo" >&2
flock -u 9

echo "$venv"
