// Lock a session for an attribute write (the SET takes its write lock before anything is read),
// then read its version and the stored state of the keys being written.
MATCH (o:Session {id: $ownerId})
SET o._lock = true
REMOVE o._lock
RETURN elementId(o) AS node, o.version AS version,
  COLLECT {
    UNWIND $keys AS key
    MATCH (a:Attribute {owner: $owner, key: key})
    RETURN a {.key, .value, .channel, at: a.updatedAt.epochMillis}
  } AS stored
