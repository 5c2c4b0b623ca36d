// The user one channel identity (`channel:externalId`) is on now (not following merges) and since
// when it has been known there.
MATCH (i:Identity {key: $key})-[r:IDENTIFIES]->(u:User)
RETURN u.id AS id, coalesce(r.linkedAt, i.createdAt).epochMillis AS linkedAt
