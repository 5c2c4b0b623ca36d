// Every recorded change of the attributes of $owners ('session:<id>' / 'user:<id>'), oldest
// first (an index seek per owner).
UNWIND $owners AS owner
MATCH (c:AttributeChange)
USING INDEX c:AttributeChange(owner, recordedAt)
WHERE c.owner = owner AND c.recordedAt <= datetime({epochMillis: $until})
RETURN c {.key, .value, .channel, .version, .ownerVersion, .writer, .eventId, .messageId,
          ownerId: split(owner, ':')[1], at: c.at.epochMillis,
          recordedAt: c.recordedAt.epochMillis} AS change
ORDER BY change.recordedAt, change.version
