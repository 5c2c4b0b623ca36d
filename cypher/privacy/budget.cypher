// A consumer's privacy budget: its total epsilon, what it has spent and how many answers.
MATCH (b:PrivacyBudget {consumer: $consumer})
RETURN b.total AS total, b.spent AS spent, b.total - b.spent AS left, b.answers AS answers
