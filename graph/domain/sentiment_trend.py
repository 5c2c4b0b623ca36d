"""How a conversation feels now: a recency-weighted mean of the user's message sentiments.

    sentiment = Σ wᵢ·sᵢ / Σ wᵢ,   wᵢ = DECAY^i,   i = 0 for the newest user message

over the last `WINDOW` USER messages of the session that have a sentiment (VADER compound scores
in [-1, 1]). With DECAY = 0.7 the newest message weighs about 30 % of the total over 10 messages,
and a message 5 turns back still counts about a sixth as much: a customer who calms down is seen
as calmer, without one message swinging the whole picture.
"""

from __future__ import annotations

WINDOW = 10
DECAY = 0.7


def recency_weighted(scores_newest_first: list[float], decay: float = DECAY) -> float | None:
    """The weighted mean; None when there is nothing to weigh."""
    if not scores_newest_first:
        return None
    weights = [decay**i for i in range(len(scores_newest_first))]
    total = sum(w * s for w, s in zip(weights, scores_newest_first, strict=True))
    return round(total / sum(weights), 4)
