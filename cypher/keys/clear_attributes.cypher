// A page of attribute values and recorded changes still in clear (written before encryption
// was turned on), in (owner, key) order after ($owner, $key), with the person each belongs to:
// the user of a user's attribute, the owner of a session's. `kind` says which label; `node` is
// what keys/seal_attributes writes back to. Read by index range on Attribute(owner, key); $owners
// (a list, or null for all) keeps to those owners.
MATCH (a:Attribute)
WHERE a.owner >= $owner AND a.key IS NOT NULL AND ($owners IS NULL OR a.owner IN $owners)
WITH a ORDER BY a.owner, a.key
WHERE (a.owner > $owner OR a.key > $key)
WITH a LIMIT $limit
WITH a, CASE WHEN a.owner STARTS WITH 'user:' THEN substring(a.owner, 5)
             ELSE [(:Session {id: substring(a.owner, 8)})<-[:HAS_SESSION]-(u:User) | u.id][0]
        END AS person
RETURN a.owner AS owner, a.key AS key, person,
  CASE WHEN a.value STARTS WITH 'tl1.' THEN [] ELSE [[elementId(a), a.value]] END
  + COLLECT {
      MATCH (c:AttributeChange)
      WHERE c.owner = a.owner AND c.recordedAt IS NOT NULL AND c.key = a.key
        AND NOT c.value STARTS WITH 'tl1.'
      RETURN [elementId(c), c.value]
    } AS clear
