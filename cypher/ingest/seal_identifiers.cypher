// Encryption on: the external ids of the batch's new identities and the native ids of its new
// platform threads (created by ingest/prepare without them), each sealed for the user it belongs
// to ($identities, $threads: {key, sealed}).
CALL () {
  UNWIND $identities AS row
  MATCH (i:Identity {key: row.key})
  WHERE i.externalId IS NULL
  SET i.externalId = row.sealed
}
CALL () {
  UNWIND $threads AS row
  MATCH (t:Thread {key: row.key})
  WHERE t.nativeId IS NULL
  SET t.nativeId = row.sealed
}
