// Uniqueness on every key of the graph model (DESIGN.md). Applied idempotently by `threadline migrate`.
CREATE CONSTRAINT user_id IF NOT EXISTS FOR (n:User) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT identity_key IF NOT EXISTS FOR (n:Identity) REQUIRE n.key IS UNIQUE;
CREATE CONSTRAINT session_id IF NOT EXISTS FOR (n:Session) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT thread_key IF NOT EXISTS FOR (n:Thread) REQUIRE n.key IS UNIQUE;
CREATE CONSTRAINT message_id IF NOT EXISTS FOR (n:Message) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT message_event_id IF NOT EXISTS FOR (n:Message) REQUIRE n.eventId IS UNIQUE;
CREATE CONSTRAINT event_event_id IF NOT EXISTS FOR (n:Event) REQUIRE n.eventId IS UNIQUE;
CREATE CONSTRAINT entity_key IF NOT EXISTS FOR (n:Entity) REQUIRE n.key IS UNIQUE;
CREATE CONSTRAINT intent_name IF NOT EXISTS FOR (n:Intent) REQUIRE n.name IS UNIQUE;
CREATE CONSTRAINT attribute_owner_key IF NOT EXISTS FOR (n:Attribute) REQUIRE (n.owner, n.key) IS UNIQUE;
CREATE CONSTRAINT agent_id IF NOT EXISTS FOR (n:Agent) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT merge_id IF NOT EXISTS FOR (n:Merge) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT continuation_token_hash IF NOT EXISTS FOR (n:ContinuationToken) REQUIRE n.hash IS UNIQUE;
