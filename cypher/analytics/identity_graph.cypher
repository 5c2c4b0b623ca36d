// title: Identity graph
// description: Users by how many channels they are known on (linked identities), and by how
//   many of them came from merges.
// columns: channels, users, mergedUsers
MATCH (i:Identity)
WHERE i.channel IS NOT NULL
MATCH (i)-[r:IDENTIFIES]->(u:User)
WITH u, count(DISTINCT i.channel) AS channels, count(r.mergeId) AS merged
RETURN channels, count(u) AS users, sum(CASE WHEN merged > 0 THEN 1 ELSE 0 END) AS mergedUsers
ORDER BY channels
