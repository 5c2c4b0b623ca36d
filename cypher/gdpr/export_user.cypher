// A user's own data for portability: the user, identities, attributes, merges and sessions
// (with attributes, handoffs and transitions). Messages are read per session in pages.
MATCH (u:User {id: $userId})
RETURN u {
  .id, .mergedInto, createdAt: u.createdAt.epochMillis,
  identities: COLLECT {
    MATCH (i:Identity)-[r:IDENTIFIES]->(u)
    RETURN i {.key, .channel, .externalId, createdAt: i.createdAt.epochMillis,
              linkedBy: r.linkedBy, evidence: r.evidence} ORDER BY i.key
  },
  attributes: COLLECT {
    MATCH (u)-[:HAS]->(a:Attribute)
    RETURN a {.key, .value, .channel, updatedAt: a.updatedAt.epochMillis} ORDER BY a.key
  },
  merges: COLLECT {
    MATCH (m:Merge)-[:SOURCE|TARGET]->(u)
    RETURN m {.id, .sourceId, .targetId, .evidence, .actor, .status, at: m.at.epochMillis}
  },
  sessions: COLLECT {
    MATCH (u)-[:HAS_SESSION]->(s:Session)
    RETURN s {
      .id, .status, .channels, .seq, .closeReason, createdAt: s.createdAt.epochMillis,
      lastActivityAt: s.lastActivityAt.epochMillis, closedAt: s.closedAt.epochMillis,
      attributes: COLLECT {
        MATCH (s)-[:HAS]->(a:Attribute)
        RETURN a {.key, .value, .channel, updatedAt: a.updatedAt.epochMillis} ORDER BY a.key
      },
      handoffs: COLLECT {
        MATCH (s)-[h:HANDLED_BY]->(a:Agent)
        RETURN {from: h.from, to: a.id, reason: h.reason, at: h.at.epochMillis} ORDER BY h.at
      },
      transitions: COLLECT {
        MATCH (s)-[:TRANSITIONED]->(x:Transition)
        RETURN x {.from, .to, .cause, at: x.at.epochMillis} ORDER BY x.at
      }
    } ORDER BY s.createdAt
  }
} AS user
