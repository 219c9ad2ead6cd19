// The search catalog's freshness check (graph_service/repository/search.py, CATALOG_FINGERPRINT)
// reads the newest of each timestamp below every few seconds while searches run: with these range
// indexes each is one index lookup (ORDER BY … DESC LIMIT 1) instead of a scan of every node.
CREATE INDEX document_ingested_at IF NOT EXISTS FOR (d:Document) ON (d.ingestedAt);
CREATE INDEX capability_classified_at IF NOT EXISTS FOR (c:Capability) ON (c.classifiedAt);
CREATE INDEX artifact_ranked_at IF NOT EXISTS FOR (a:Artifact) ON (a.rankedAt);
CREATE INDEX image_added_at IF NOT EXISTS FOR (i:Image) ON (i.addedAt);
CREATE INDEX head_to_head_computed_at IF NOT EXISTS FOR ()-[h:HEAD_TO_HEAD]-() ON (h.computedAt);
