// Vectors, taxonomy and images (embed/): the indexes' fingerprint query reads count and newest
// timestamp of each kind of vector through these range indexes; images are found by content hash.
CREATE INDEX capability_embedded_at IF NOT EXISTS FOR (c:Capability) ON (c.embeddedAt);
CREATE INDEX artifact_name_embedded_at IF NOT EXISTS FOR (a:Artifact) ON (a.nameEmbeddedAt);
CREATE INDEX image_embedded_at IF NOT EXISTS FOR (i:Image) ON (i.embeddedAt);
CREATE INDEX image_sha256 IF NOT EXISTS FOR (i:Image) ON (i.sha256);
CREATE INDEX capability_classified_with IF NOT EXISTS FOR (c:Capability) ON (c.classifiedWith);
