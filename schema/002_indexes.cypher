// Lookup and ordering indexes for the API's filters and sorts, and full-text for keyword search.
CREATE INDEX artifact_name IF NOT EXISTS FOR (a:Artifact) ON (a.name);
CREATE INDEX artifact_type IF NOT EXISTS FOR (a:Artifact) ON (a.type);
CREATE INDEX artifact_pricing IF NOT EXISTS FOR (a:Artifact) ON (a.pricing);
CREATE INDEX artifact_rank IF NOT EXISTS FOR (a:Artifact) ON (a.rank);
CREATE INDEX artifact_times_matched IF NOT EXISTS FOR (a:Artifact) ON (a.timesMatched);
CREATE INDEX artifact_mentioned_only IF NOT EXISTS FOR (a:Artifact) ON (a.mentionedOnly);
CREATE INDEX capability_uri IF NOT EXISTS FOR (c:Capability) ON (c.uri);
CREATE INDEX document_sha256 IF NOT EXISTS FOR (d:Document) ON (d.sha256);
CREATE INDEX comparison_pair IF NOT EXISTS FOR (c:Comparison) ON (c.aSlug, c.bSlug);
CREATE INDEX claim_metric IF NOT EXISTS FOR (c:Claim) ON (c.metric);
CREATE INDEX claim_status IF NOT EXISTS FOR (c:Claim) ON (c.status);
CREATE INDEX query_ran_at IF NOT EXISTS FOR (q:Query) ON (q.ranAt);
CREATE FULLTEXT INDEX artifact_text IF NOT EXISTS FOR (a:Artifact) ON EACH [a.name, a.slug];
CREATE FULLTEXT INDEX capability_text IF NOT EXISTS FOR (c:Capability) ON EACH [c.name, c.description, c.unique];
