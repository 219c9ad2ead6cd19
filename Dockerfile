# matchgraph API image. Production runs it beside the official Neo4j image (docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HF_HUB_OFFLINE=1 \
    MATCHGRAPH_DATA_DIR=/var/lib/matchgraph \
    MATCHGRAPH_HOST=0.0.0.0 \
    MATCHGRAPH_PORT=8000

WORKDIR /tmp/matchgraph-src
# Dependencies first (a layer that changes only with the lock file), through uv for speed.
COPY requirements.lock ./
RUN pip install --no-cache-dir "uv==0.13.8" \
 && uv pip install --system --no-cache -r requirements.lock
# The project itself, installed like any package: the schema, the taxonomy, the probe specs and the
# sample corpus are package data, so the source folder is not needed once it is installed.
COPY . .
RUN uv pip install --system --no-cache --no-deps . \
 && cd / && rm -rf /tmp/matchgraph-src \
 && useradd --system --home-dir /var/lib/matchgraph --create-home matchgraph
WORKDIR /var/lib/matchgraph
USER matchgraph

EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=5 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"
CMD ["matchgraph", "serve"]
