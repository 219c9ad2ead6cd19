// Probes (issue 6): a probe's id is unique (001_constraints.cypher); these serve "an artifact's
// probes, latest first", the head-to-head scan by kind and status, and claim checks by probe.
CREATE INDEX probe_artifact_started IF NOT EXISTS FOR (p:Probe) ON (p.artifactSlug, p.startedAt);
CREATE INDEX probe_kind_status IF NOT EXISTS FOR (p:Probe) ON (p.kind, p.status);
CREATE INDEX claim_checked_by IF NOT EXISTS FOR (c:Claim) ON (c.checkedBy);
