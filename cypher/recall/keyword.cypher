// Keyword candidates of a recall: each of $queries is a Lucene query over the English-analysed
// `message_search` index, already restricted to the history's sessions (graph/domain/recall.py
// builds it from the question's words and stored session ids); the index returns at most $limit
// per query, best first, and only messages that pass the recall's filters are kept.
UNWIND $queries AS query
CALL db.index.fulltext.queryNodes('message_search', query, {limit: $limit}) YIELD node, score
WHERE node.sessionId IN $sessionIds
  AND ($channels IS NULL OR node.channel IN $channels)
  AND ($roles IS NULL OR node.role IN $roles)
  AND ($since IS NULL OR node.at >= $since)
  AND ($until IS NULL OR node.at < $until)
RETURN node.id AS id, max(score) AS score
ORDER BY score DESC, id
LIMIT $limit
