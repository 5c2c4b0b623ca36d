// Write sealed attribute values back ($rows: {node, value, clear}): only where the stored value
// is still the clear one read (a write since then sealed it already).
UNWIND $rows AS row
MATCH (n)
WHERE elementId(n) = row.node AND n.value = row.clear
SET n.value = row.value
RETURN count(n) AS sealed
