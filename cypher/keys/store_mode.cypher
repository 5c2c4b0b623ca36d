// Whether this store is recorded as sealed (THREADLINE_ENCRYPTION on: a (:StoreMode) node that
// `threadline migrate` writes once everything is sealed, or the first server with encryption on
// writes on a store without identities), and whether it holds any channel identity (one index
// seek). Read by `threadline serve` before it starts (graph/store/sealing.py).
OPTIONAL MATCH (m:StoreMode {id: 'threadline'})
RETURN m.sealed AS sealed, EXISTS { MATCH (i:Identity) WHERE i.key > '' } AS hasIdentities
