// What a firing's actions did (one line per action), once they ran.
MATCH (f:TriggerFiring {id: $id})
SET f.outcomes = $outcomes
