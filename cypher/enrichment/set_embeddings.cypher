// Store computed embeddings ($rows: id, embedding: bytes, one signed byte per dimension) with
// the model that made them; a message erased or anonymized since it was read is left alone.
UNWIND $rows AS row
MATCH (m:Message {id: row.id})
WHERE m.text IS NOT NULL
SET m.embedding = row.embedding, m.embeddingModel = $model
