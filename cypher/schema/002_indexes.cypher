// Lookups by session, user, channel and time; fulltext over message text (English: stemming and
// stop words; the session id is indexed too so a recall filters by it inside Lucene), eventually
// consistent:
// Lucene is updated just after each commit instead of inside it (a synchronous update cost ~2 ms
// of every ingest commit of 8 messages), so a search may miss a message for a moment.
CREATE INDEX message_session_seq IF NOT EXISTS FOR (n:Message) ON (n.sessionId, n.seq);
CREATE INDEX message_user_at IF NOT EXISTS FOR (n:Message) ON (n.userId, n.at);
CREATE INDEX message_channel_at IF NOT EXISTS FOR (n:Message) ON (n.channel, n.at);
CREATE INDEX message_at IF NOT EXISTS FOR (n:Message) ON (n.at);
CREATE INDEX event_session_at IF NOT EXISTS FOR (n:Event) ON (n.sessionId, n.at);
CREATE INDEX session_status_activity IF NOT EXISTS FOR (n:Session) ON (n.status, n.lastActivityAt);
CREATE INDEX session_last_activity IF NOT EXISTS FOR (n:Session) ON (n.lastActivityAt);
CREATE INDEX session_created IF NOT EXISTS FOR (n:Session) ON (n.createdAt);
CREATE INDEX identity_channel IF NOT EXISTS FOR (n:Identity) ON (n.channel);
CREATE INDEX thread_channel IF NOT EXISTS FOR (n:Thread) ON (n.channel);
CREATE FULLTEXT INDEX message_search IF NOT EXISTS FOR (n:Message) ON EACH [n.text, n.sessionId]
  OPTIONS {indexConfig: {`fulltext.analyzer`: 'english', `fulltext.eventually_consistent`: true}};
// Recall blocks: a session's messages as recall reads them, packed by graph/store/recall_blocks.py.
CREATE INDEX recall_block_session IF NOT EXISTS FOR (n:RecallBlock) ON (n.sessionId, n.block);
// The attribute history, read per owner up to an instant (asOf) or whole (attributeHistory).
CREATE INDEX attribute_change_owner_recorded IF NOT EXISTS FOR (n:AttributeChange) ON (n.owner, n.recordedAt);
// The outbox: due replies by status and time; status reports by the platform's message id;
// a session's replies.
CREATE INDEX outbox_status_next IF NOT EXISTS FOR (n:Outbox) ON (n.status, n.nextAttemptAt);
CREATE INDEX outbox_platform_id IF NOT EXISTS FOR (n:Outbox) ON (n.platformMessageId);
CREATE INDEX outbox_session IF NOT EXISTS FOR (n:Outbox) ON (n.sessionId);
// Triggers: a session's firings; webhook deliveries due (and dead) by status and time; by firing.
CREATE INDEX trigger_firing_session IF NOT EXISTS FOR (n:TriggerFiring) ON (n.sessionId);
CREATE INDEX trigger_delivery_status_next IF NOT EXISTS FOR (n:TriggerDelivery) ON (n.status, n.nextAttemptAt);
CREATE INDEX trigger_delivery_firing IF NOT EXISTS FOR (n:TriggerDelivery) ON (n.firingId);
CREATE INDEX audit_event_at IF NOT EXISTS FOR (n:AuditEvent) ON (n.at);
CREATE INDEX continuation_token_expires IF NOT EXISTS FOR (n:ContinuationToken) ON (n.expiresAt);
CREATE INDEX dashboard_session_expires IF NOT EXISTS FOR (n:DashboardSession) ON (n.expiresAt);
