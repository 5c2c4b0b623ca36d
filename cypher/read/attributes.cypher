// The attributes of one owner (`session:<id>` or `user:<id>`) as [key, JSON value] pairs.
MATCH (a:Attribute)
USING INDEX a:Attribute(owner, key)
WHERE a.owner = $owner AND a.key IS NOT NULL
RETURN a.key AS key, a.value AS value
ORDER BY key
