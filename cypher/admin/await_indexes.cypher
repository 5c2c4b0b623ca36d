// Block until every index is online (after migrations).
CALL db.awaitIndexes($timeoutSeconds)
