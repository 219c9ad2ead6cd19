# The two Quick start commands, and a few helpers. Every target bootstraps the venv first
# (scripts/bootstrap.sh: a venv outside the clone, keyed by requirements.lock).
.PHONY: demo test serve lock venv

VENV = $$(scripts/bootstrap.sh)

demo:  ## start local Neo4j, ingest the sample corpus, build the indexes, serve the API
	@venv=$(VENV) && exec "$$venv/bin/matchgraph" demo

test:  ## the whole test suite, against a real local Neo4j
	@venv=$(VENV) && cd "$(CURDIR)" && exec "$$venv/bin/python" -m pytest $(PYTEST_ARGS)

serve:
	@venv=$(VENV) && exec "$$venv/bin/matchgraph" serve

venv:  ## print the venv's path (e.g. `source $$(make -s venv)/bin/activate`)
	@scripts/bootstrap.sh

lock:  ## re-resolve requirements.lock from pyproject.toml
	@scripts/bootstrap.sh >/dev/null && "$${MATCHGRAPH_CACHE_DIR:-$$HOME/.cache/matchgraph}/tools/bin/uv" pip compile pyproject.toml \
	  --extra dev --python-version 3.11 --python-platform x86_64-manylinux_2_28 --generate-hashes -o requirements.lock
