// The deployment's pseudonymisation key: created once, then shared by every instance.
MERGE (s:Secret {name: 'pseudonym_key'})
  ON CREATE SET s.value = $candidate
RETURN s.value AS value
