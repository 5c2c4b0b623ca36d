// title: Repeat rate
// description: After switching channel, how often users re-stated an entity they had already
//   given on another channel of the same session - the "had to repeat myself" metric that
//   cross-channel memory exists to drive down. An ALL row, then one row per entity type.
// param since: datetime = 1970-01-01T00:00:00Z
// param until: datetime = now
// columns: entityType, sessionsWithSwitch, sessionsWithRepeat, repeats, rate
MATCH (s:Session)
WHERE s.createdAt >= $since AND s.createdAt < $until AND size(s.channels) > 1
WITH collect(s) AS switched
CALL (switched) {
  UNWIND switched AS s
  MATCH (later:Message)
  WHERE later.sessionId = s.id AND later.seq IS NOT NULL AND later.role = 'USER'
  MATCH (later)-[:MENTIONS]->(e:Entity)<-[:MENTIONS]-(earlier:Message)
  WHERE earlier.sessionId = s.id AND earlier.role = 'USER' AND earlier.seq < later.seq
    AND earlier.channel <> later.channel
  RETURN collect(DISTINCT {session: s.id, type: e.type, message: later.id}) AS repeats
}
UNWIND ['ALL'] + reduce(types = [], r IN repeats |
  CASE WHEN r.type IN types THEN types ELSE types + r.type END) AS entityType
WITH switched, entityType, [r IN repeats WHERE entityType = 'ALL' OR r.type = entityType] AS mine
WITH size(switched) AS total, entityType, size(mine) AS repeats,
  size(reduce(acc = [], r IN mine | CASE WHEN r.session IN acc THEN acc ELSE acc + r.session END))
    AS sessions
RETURN entityType, total AS sessionsWithSwitch, sessions AS sessionsWithRepeat, repeats,
  CASE WHEN total = 0 THEN 0.0 ELSE toFloat(sessions) / total END AS rate
ORDER BY entityType = 'ALL' DESC, repeats DESC, entityType
