// Re-key platform threads written in clear ($rows: {oldKey, newKey, sealed}, from
// keys/clear_threads): keyed by their hash, their native id sealed for their session's owner
// (null for a thread mapped to no session: nobody's key, and nothing replies through it). A
// thread already seen again under its hash since encryption was turned on keeps that node and
// its mapping; the clear one goes.
UNWIND $rows AS row
MATCH (t:Thread {key: row.oldKey})
OPTIONAL MATCH (twin:Thread {key: row.newKey})
FOREACH (_ IN CASE WHEN twin IS NULL THEN [1] ELSE [] END |
  SET t.key = row.newKey, t.nativeId = row.sealed)
FOREACH (_ IN CASE WHEN twin IS NULL THEN [] ELSE [1] END | DETACH DELETE t)
RETURN count(*) AS threads
