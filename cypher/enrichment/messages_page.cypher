// A page of stored messages to re-enrich, in (at, id) order after the last one seen; with
// $withOwners (encryption on) each one's session owner, whose key seals its personal entities.
MATCH (m:Message)
WHERE m.at >= $since AND m.at < $until
  AND (m.at > $afterAt OR (m.at = $afterAt AND m.id > $afterId))
  AND ($outdatedOnly = false OR m.enrichmentVersion IS NULL OR m.enrichmentVersion <> $version)
WITH m ORDER BY m.at, m.id LIMIT $limit
RETURN m.id AS id, m.text AS text, m.at AS at,
  CASE WHEN $withOwners THEN COLLECT {
    MATCH (s:Session {id: m.sessionId})<-[:HAS_SESSION]-(owner:User) RETURN owner.id
  }[0] END AS ownerId
