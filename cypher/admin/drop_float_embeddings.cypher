// Migration: embeddings stored as lists of floats (before they were kept as bytes, one signed
// byte per dimension, which Cypher sees as LIST<INTEGER>) are removed with their model, in
// batches, so `threadline reenrich --embeddings` computes them again; until then the messages
// are found by every other signal. Then the marker (graph/store/schema.py).
MATCH (m:Message)
WHERE m.embedding IS :: LIST<FLOAT NOT NULL>
CALL (m) {
  REMOVE m.embedding, m.embeddingModel
} IN TRANSACTIONS OF 10000 ROWS
