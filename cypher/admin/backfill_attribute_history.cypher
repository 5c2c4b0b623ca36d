// Migration: attributes written before their changes were kept get one AttributeChange each, for
// their current value (recorded at its last change), so point-in-time reads and facts see them;
// earlier values of those attributes are unknown. Then the marker (graph/store/schema.py).
MATCH (a:Attribute)
WHERE a.owner IS NOT NULL AND a.key IS NOT NULL
  AND NOT EXISTS {
    MATCH (c:AttributeChange)
    WHERE c.owner = a.owner AND c.recordedAt IS NOT NULL AND c.key = a.key
  }
CALL (a) {
  CREATE (:AttributeChange {
    owner: a.owner, key: a.key, value: a.value, at: a.updatedAt, channel: a.channel,
    version: coalesce(a.version, 1), recordedAt: a.updatedAt, writer: 'migration'
  })
} IN TRANSACTIONS OF 10000 ROWS
