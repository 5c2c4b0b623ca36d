// Which of $ids are sessions of the person behind the identity $identityKey (following merges to
// the survivor, which owns the merged users' sessions). A user token reaches only these: sessions
// the person owns, not shared threads they only take part in.
MATCH (:Identity {key: $identityKey})-[:IDENTIFIES]->(:User)-[:MERGED_INTO*0..10]->(u:User)
WHERE u.mergedInto IS NULL
UNWIND $ids AS id
MATCH (u)-[:HAS_SESSION]->(s:Session {id: id})
RETURN DISTINCT s.id AS id
