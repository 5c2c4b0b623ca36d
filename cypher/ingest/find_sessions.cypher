// Sessions named explicitly by events: whether they exist, their status and owner.
UNWIND $sessionIds AS id
MATCH (s:Session {id: id})<-[:HAS_SESSION]-(u:User)
RETURN s.id AS id, s.status AS status, u.id AS userId
