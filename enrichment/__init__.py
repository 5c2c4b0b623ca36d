"""Enrichment of messages (entities, sentiment, intents): pure, text in, annotations out."""
