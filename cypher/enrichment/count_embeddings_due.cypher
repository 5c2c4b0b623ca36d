// How many stored messages in [$since, $until) have no embedding of model $model yet.
MATCH (m:Message)
WHERE m.at >= $since AND m.at < $until
  AND m.text IS NOT NULL AND (m.embeddingModel IS NULL OR m.embeddingModel <> $model)
RETURN count(m) AS due
