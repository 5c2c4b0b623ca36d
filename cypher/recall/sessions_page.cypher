// A page of sessions by id (after $after), each with whether its recall blocks lag behind its
// messages (graph/store/recall_blocks.py: build_blocks).
MATCH (s:Session)
WHERE s.id > $after
WITH s ORDER BY s.id LIMIT $limit
RETURN s.id AS id, coalesce(s.recallUpTo, 0) < coalesce(s.seq, 0) AS stale
