// Search (embed/search.py): keyword matching on capability texts with English stemming, so that
// "object detection" finds "detects objects" (the plain `capability_text` index does not stem).
// Its property list differs from capability_text's on purpose: Neo4j treats a full-text index
// on the same label and properties as the same index, whatever the analyzer.
CREATE FULLTEXT INDEX capability_text_english IF NOT EXISTS FOR (c:Capability) ON EACH [c.description, c.unique] OPTIONS {indexConfig: {`fulltext.analyzer`: 'english'}};
