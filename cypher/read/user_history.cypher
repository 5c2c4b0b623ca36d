// A user and everyone linked to it by merges, made or reverted (up to 10 merges away): their
// merges, identities (where each is now and since when) and user attribute changes recorded up
// to $until — what graph/domain/as_of.py replays to show the user as it was at an instant.
MATCH (u:User {id: $userId})
CALL (u) {
  MATCH (u)((:User)<-[:SOURCE|TARGET]-(:Merge)-[:SOURCE|TARGET]->(:User)){0,10}(p:User)
  RETURN collect(DISTINCT p) AS people
}
RETURN u.id AS id, u.createdAt.epochMillis AS createdAt, coalesce(u.version, 0) AS version,
  COLLECT {
    UNWIND people AS p
    MATCH (p)<-[:SOURCE|TARGET]-(m:Merge)
    RETURN DISTINCT m {.id, .sourceId, .targetId, .identities, .sessions, at: m.at.epochMillis,
                       revertedAt: m.revertedAt.epochMillis}
  } AS merges,
  COLLECT {
    UNWIND people AS p
    MATCH (i:Identity)-[r:IDENTIFIES]->(p)
    RETURN i {.key, .channel, .externalId, createdAt: i.createdAt.epochMillis,
              linkedAt: coalesce(r.linkedAt, i.createdAt).epochMillis, linkedBy: r.linkedBy,
              evidence: r.evidence, mergeId: r.mergeId, owner: p.id}
    ORDER BY i.createdAt, i.key
  } AS identities,
  COLLECT {
    UNWIND people AS p
    MATCH (c:AttributeChange)
    USING INDEX c:AttributeChange(owner, recordedAt)
    WHERE c.owner = 'user:' + p.id AND c.recordedAt <= datetime({epochMillis: $until})
    RETURN c {.key, .value, .channel, .version, .ownerVersion, .writer, .eventId, .messageId, ownerId: p.id,
              at: c.at.epochMillis, recordedAt: c.recordedAt.epochMillis}
    ORDER BY c.recordedAt, c.version
  } AS changes
