// A user's own data for portability: the person (the user and every user merged into it, as
// erasure sees them), identities with their link provenance, attributes and their change
// history, merges and sessions (with attributes and their history, handoffs, transitions and
// continuation tokens). Messages and text-less
// events are read per session in pages.
MATCH (u:User {id: $userId})
OPTIONAL MATCH (merged:User)-[:MERGED_INTO*1..10]->(u)
WITH u, [u] + collect(DISTINCT merged) AS people
RETURN u {
  .id, .mergedInto, createdAt: u.createdAt.epochMillis,
  userIds: [p IN people | p.id],
  identities: COLLECT {
    UNWIND people AS p
    MATCH (i:Identity)-[r:IDENTIFIES]->(p)
    RETURN i {.key, .channel, .externalId, createdAt: i.createdAt.epochMillis, user: p.id,
              linkedAt: coalesce(r.linkedAt, i.createdAt).epochMillis, linkedBy: r.linkedBy,
              evidence: r.evidence,
              mergeId: r.mergeId} ORDER BY i.key
  },
  attributes: COLLECT {
    UNWIND people AS p
    MATCH (p)-[:HAS]->(a:Attribute)
    RETURN a {.key, .value, .channel, .version, user: p.id, updatedAt: a.updatedAt.epochMillis}
      ORDER BY a.key, a.updatedAt
  },
  attributeHistory: COLLECT {
    UNWIND people AS p
    MATCH (c:AttributeChange)
    USING INDEX c:AttributeChange(owner, recordedAt)
    WHERE c.owner = 'user:' + p.id AND c.recordedAt IS NOT NULL
    RETURN c {.key, .value, .channel, .version, .writer, .eventId, .messageId, user: p.id,
              at: c.at.epochMillis, recordedAt: c.recordedAt.epochMillis}
      ORDER BY c.recordedAt, c.version
  },
  merges: COLLECT {
    UNWIND people AS p
    MATCH (m:Merge)-[:SOURCE|TARGET]->(p)
    WITH DISTINCT m
    RETURN m {.id, .sourceId, .targetId, .evidence, .actor, .status, .identities, .sessions,
              at: m.at.epochMillis, revertedAt: m.revertedAt.epochMillis, .revertedBy,
              .revertReason} ORDER BY m.at
  },
  sessions: COLLECT {
    UNWIND people AS p
    MATCH (p)-[:HAS_SESSION|PARTICIPATES_IN]->(s:Session)
    WITH DISTINCT s
    RETURN s {
      .id, .status, .channels, .seq, .closeReason, .lastChannel,
      createdAt: s.createdAt.epochMillis, lastActivityAt: s.lastActivityAt.epochMillis,
      closedAt: s.closedAt.epochMillis,
      attributes: COLLECT {
        MATCH (s)-[:HAS]->(a:Attribute)
        RETURN a {.key, .value, .channel, .version, updatedAt: a.updatedAt.epochMillis}
          ORDER BY a.key
      },
      attributeHistory: COLLECT {
        MATCH (c:AttributeChange)
        USING INDEX c:AttributeChange(owner, recordedAt)
        WHERE c.owner = 'session:' + s.id AND c.recordedAt IS NOT NULL
        RETURN c {.key, .value, .channel, .version, .writer, .eventId, .messageId,
                  at: c.at.epochMillis, recordedAt: c.recordedAt.epochMillis}
          ORDER BY c.recordedAt, c.version
      },
      handoffs: COLLECT {
        MATCH (s)-[h:HANDLED_BY]->(a:Agent)
        RETURN {from: h.from, to: a.id, reason: h.reason, at: h.at.epochMillis} ORDER BY h.at
      },
      transitions: COLLECT {
        MATCH (s)-[:TRANSITIONED]->(x:Transition)
        RETURN x {.from, .to, .cause, at: x.at.epochMillis} ORDER BY x.at
      },
      continuationTokens: COLLECT {
        MATCH (t:ContinuationToken)-[:RESUMES]->(s)
        RETURN t {.createdBy, .usedBy, createdAt: t.createdAt.epochMillis,
                  expiresAt: t.expiresAt.epochMillis, usedAt: t.usedAt.epochMillis}
          ORDER BY t.createdAt
      }
    } ORDER BY s.createdAt
  }
} AS user
