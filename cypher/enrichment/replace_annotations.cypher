// Drop the MENTIONS/EXPRESSES of messages being re-enriched and set their new message-level
// values; returns the entities they mentioned, to check for orphans once the new mentions exist.
UNWIND $messages AS row
MATCH (m:Message {id: row.id})
SET m.sentiment = row.sentiment, m.sentimentLabel = row.sentimentLabel,
    m.intents = row.intents, m.entityKeys = row.entityKeys,
    m.enrichmentVersion = row.enrichmentVersion
WITH m
OPTIONAL MATCH (m)-[old:MENTIONS|EXPRESSES]->(target)
DELETE old
RETURN collect(DISTINCT target.key) AS entityKeys
