// bench/encryption.py serves one store with encryption off and on in turn (different people in
// each round), which `threadline serve` refuses for a real store: before each server, the store
// is declared the way that server will serve it ($sealed: recorded as sealed, or not recorded).
OPTIONAL MATCH (m:StoreMode {id: 'threadline'})
DETACH DELETE m
WITH count(*) AS seen
FOREACH (_ IN CASE WHEN $sealed THEN [1] ELSE [] END |
  CREATE (:StoreMode {id: 'threadline', sealed: true, since: datetime()}))
