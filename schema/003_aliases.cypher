// Every spelling of an artifact shares an alias key; mentions resolve through it.
CREATE INDEX artifact_alias_key IF NOT EXISTS FOR (a:Artifact) ON (a.aliasKey);
