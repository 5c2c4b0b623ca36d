// Record that this store's personal data is sealed (encryption on from now on): a server with
// THREADLINE_ENCRYPTION off then refuses to start on it.
MERGE (m:StoreMode {id: 'threadline'})
  ON CREATE SET m.since = datetime()
SET m.sealed = true
