"""Services: work that combines the layers below it and runs as a job.

`probe_runs` (record probe results and re-verify claims), `probe_jobs` and `job_queue` (the API
server's background probe jobs), `rank` (refit head-to-head edges and recompute every artifact's
rank) with its pure scoring in `rank_model`. Above: the API and the CLI (graph_service/). Below:
ingest, embed, probes and graph access (graphdb/).
"""
