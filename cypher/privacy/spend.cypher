// Spend $epsilon of $consumer's privacy budget (made with $total on first use): the consumer's
// PrivacyBudget is locked (the first SET) before its spending is read, so concurrent spends
// queue and none can overspend. One row: whether it was spent, and what is left.
MERGE (b:PrivacyBudget {consumer: $consumer})
  ON CREATE SET b.total = $total, b.spent = 0.0, b.answers = 0
SET b._lock = true
REMOVE b._lock
WITH b, b.spent + $epsilon <= b.total + 1e-9 AS affordable
SET b.spent = CASE WHEN affordable THEN b.spent + $epsilon ELSE b.spent END,
    b.answers = CASE WHEN affordable THEN b.answers + 1 ELSE b.answers END,
    b.lastSpentAt = CASE WHEN affordable THEN datetime() ELSE b.lastSpentAt END
RETURN affordable AS spent, b.total AS total, b.total - b.spent AS left
