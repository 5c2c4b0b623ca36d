// Lock a user for an attribute write (the SET takes its write lock before anything is read),
// then read its attribute version and the stored state of the keys being written.
MATCH (o:User {id: $ownerId})
SET o._lock = true
REMOVE o._lock
RETURN elementId(o) AS node, coalesce(o.version, 0) AS version,
  COLLECT {
    UNWIND $keys AS key
    MATCH (a:Attribute {owner: $owner, key: key})
    RETURN a {.key, .value, .channel, at: a.updatedAt.epochMillis}
  } AS stored
