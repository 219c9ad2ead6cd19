// The graph's data version (graphdb/data_version.py): one node, bumped by every matchgraph write of
// what search reads, in that write's transaction; the search catalog follows it. Capabilities carry
// the content version of the last write that changed them, found through the range index below
// (the catalog's incremental update reads those changed since its last load).
CREATE CONSTRAINT data_version_name IF NOT EXISTS FOR (v:DataVersion) REQUIRE v.name IS UNIQUE;
CREATE INDEX capability_content_version IF NOT EXISTS FOR (c:Capability) ON (c.contentVersion);
