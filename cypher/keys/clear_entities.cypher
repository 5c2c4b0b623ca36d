// Encryption turned on for a store written in clear (graph/store/sealing.py): a page of the
// entities of one personal type ($prefix, "EMAIL:") still keyed in clear, after $after in key
// order (a key seek: hashed keys, "EMAIL:~...", sort after every clear one and are not read),
// each with its mentions — the message, the text found, and whose key seals them (the owner of
// the message's session). $keys: only those (null: every one).
MATCH (e:Entity)
WHERE e.key STARTS WITH $prefix AND e.key > $after AND NOT e.key STARTS WITH $hashed
  AND ($keys IS NULL OR e.key IN $keys)
WITH e ORDER BY e.key LIMIT $limit
RETURN e.key AS key, e.value AS value, COLLECT {
  MATCH (m:Message)-[r:MENTIONS]->(e)
  RETURN {messageId: m.id, start: r.start, text: r.text, sessionId: m.sessionId,
          owner: COLLECT {
            MATCH (s:Session {id: m.sessionId})<-[:HAS_SESSION]-(u:User) RETURN u.id
          }[0]}
} AS mentions
