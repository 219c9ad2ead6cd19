// Rank (`matchgraph rank`): ordering artifacts by computed rank, and finding head-to-head edges by group.
CREATE INDEX artifact_computed_rank IF NOT EXISTS FOR (a:Artifact) ON (a.computedRank);
CREATE INDEX head_to_head_group IF NOT EXISTS FOR ()-[h:HEAD_TO_HEAD]-() ON (h.task, h.device, h.metric);
