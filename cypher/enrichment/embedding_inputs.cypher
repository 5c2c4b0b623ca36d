// What the messages $ids are embedded from: each one's text and the text of the message before it
// in its session (its NEXT link); a message erased or anonymized since its commit is left out.
UNWIND $ids AS id
MATCH (m:Message {id: id})
WHERE m.text IS NOT NULL
OPTIONAL MATCH (previous:Message)-[:NEXT]->(m)
RETURN m.id AS id, m.text AS text, previous.text AS previous
