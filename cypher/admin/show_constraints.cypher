// Constraint names, for readiness checks.
SHOW CONSTRAINTS YIELD name
RETURN name
