// The merges a user took part in (as source or target), newest first.
MATCH (m:Merge)-[:SOURCE|TARGET]->(:User {id: $userId})
RETURN m {.id, .sourceId, .targetId, .evidence, .actor, .status, .identities, .sessions,
          .revertedBy, .revertReason, at: m.at.epochMillis, revertedAt: m.revertedAt.epochMillis}
       AS merge
ORDER BY merge.at DESC
