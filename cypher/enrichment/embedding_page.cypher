// A page of stored messages without an embedding of model $model (none yet, or another model's),
// in (at, id) order after the last one seen: what `threadline reenrich --embeddings` computes next.
MATCH (m:Message)
WHERE m.at >= $since AND m.at < $until
  AND (m.at > $afterAt OR (m.at = $afterAt AND m.id > $afterId))
  AND m.text IS NOT NULL AND (m.embeddingModel IS NULL OR m.embeddingModel <> $model)
RETURN m.id AS id, m.text AS text, m.at AS at
ORDER BY m.at, m.id
LIMIT $limit
