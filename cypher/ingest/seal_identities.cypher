// Encryption on: the external ids of the batch's identities that have none yet (created by
// ingest/prepare without it), sealed for the user each identifies ($identities: {key, sealed}).
UNWIND $identities AS row
MATCH (i:Identity {key: row.key})
WHERE i.externalId IS NULL
SET i.externalId = row.sealed
