// Index names and states (constraint-backing indexes included), for readiness checks.
SHOW INDEXES YIELD name, state
RETURN name, state
