// A page of stored messages to re-enrich, in (at, id) order after the last one seen.
MATCH (m:Message)
WHERE m.at >= $since AND m.at < $until
  AND (m.at > $afterAt OR (m.at = $afterAt AND m.id > $afterId))
  AND ($outdatedOnly = false OR m.enrichmentVersion IS NULL OR m.enrichmentVersion <> $version)
RETURN m.id AS id, m.text AS text, m.at AS at
ORDER BY m.at, m.id
LIMIT $limit
