// The stored state of the (owner, key) pairs a batch's events write; their sessions are already
// write-locked by ingest/advance_sessions, so this is what the merge builds on.
UNWIND $rows AS row
MATCH (a:Attribute {owner: row.owner, key: row.key})
RETURN a.owner AS owner, a.key AS key, a.value AS value, a.channel AS channel,
  a.updatedAt.epochMillis AS at
