// Per-person keyword statistics of a recall: for each of the question's words, the messages of
// the history that contain it, as the English-analysed `message_search` index sees it (stems,
// no stop words). Each of $terms is {word, query}: a Lucene query for that one word, already
// restricted to the history's sessions (graph/domain/recall.py). At most $perWord messages per
// word and query; only messages that pass the recall's filters are kept. Scores are computed
// from these counts alone, so no other person's messages change them.
UNWIND $terms AS term
CALL db.index.fulltext.queryNodes('message_search', term.query, {limit: $perWord}) YIELD node
WHERE node.sessionId IN $sessionIds
  AND ($channels IS NULL OR node.channel IN $channels)
  AND ($roles IS NULL OR node.role IN $roles)
  AND ($since IS NULL OR node.at >= $since)
  AND ($until IS NULL OR node.at < $until)
RETURN term.word AS word, collect(DISTINCT node.id) AS ids
