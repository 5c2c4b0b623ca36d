// A page of stored messages without an embedding of model $model (none yet, or another model's),
// in (at, id) order after the last one seen, each with the text of the message before it in its
// session (embeddings are computed in context): what `threadline reenrich --embeddings` and the
// embedding worker's catch-up compute next.
MATCH (m:Message)
WHERE m.at >= $since AND m.at < $until
  AND (m.at > $afterAt OR (m.at = $afterAt AND m.id > $afterId))
  AND m.text IS NOT NULL AND (m.embeddingModel IS NULL OR m.embeddingModel <> $model)
WITH m ORDER BY m.at, m.id LIMIT $limit
OPTIONAL MATCH (previous:Message)-[:NEXT]->(m)
RETURN m.id AS id, m.text AS text, m.at AS at, previous.text AS previous
ORDER BY at, id
