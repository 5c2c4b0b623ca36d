// What trigger conditions look at, for each session of $sessionIds: its owner, the last 10 user
// sentiments (newest first), the last user message (time, intents), the last AGENT/BOT message's
// time, the channels of the last two messages, the entity types of its last 100 messages, and the
// session's and the owner's attributes. Index seeks on Message(sessionId, seq) and
// Attribute(owner, key).
UNWIND $sessionIds AS sessionId
MATCH (s:Session {id: sessionId})<-[:HAS_SESSION]-(u:User)
RETURN s.id AS sessionId, u.id AS userId,
  COLLECT {
    MATCH (m:Message)
    USING INDEX m:Message(sessionId, seq)
    WHERE m.sessionId = s.id AND m.seq > 0 AND m.role = 'USER' AND m.sentiment IS NOT NULL
    RETURN m.sentiment ORDER BY m.seq DESC LIMIT 10
  } AS sentiments,
  COLLECT {
    MATCH (m:Message)
    USING INDEX m:Message(sessionId, seq)
    WHERE m.sessionId = s.id AND m.seq > 0 AND m.role = 'USER'
    RETURN {at: m.at.epochMillis, intents: coalesce(m.intents, [])} ORDER BY m.seq DESC LIMIT 1
  } AS lastUser,
  COLLECT {
    MATCH (m:Message)
    USING INDEX m:Message(sessionId, seq)
    WHERE m.sessionId = s.id AND m.seq > 0 AND m.role IN ['AGENT', 'BOT']
    RETURN m.at.epochMillis ORDER BY m.seq DESC LIMIT 1
  } AS lastStaff,
  COLLECT {
    MATCH (m:Message)
    USING INDEX m:Message(sessionId, seq)
    WHERE m.sessionId = s.id AND m.seq > 0
    RETURN m.channel ORDER BY m.seq DESC LIMIT 2
  } AS lastChannels,
  COLLECT {
    MATCH (m:Message)
    USING INDEX m:Message(sessionId, seq)
    WHERE m.sessionId = s.id AND m.seq > s.seq - 100
    UNWIND coalesce(m.entityKeys, []) AS key
    RETURN DISTINCT split(key, ':')[0]
  } AS entityTypes,
  COLLECT {
    MATCH (a:Attribute)
    USING INDEX a:Attribute(owner, key)
    WHERE a.owner = 'user:' + u.id AND a.key IS NOT NULL
    RETURN [a.key, a.value]
  } AS userAttributes,
  COLLECT {
    MATCH (a:Attribute)
    USING INDEX a:Attribute(owner, key)
    WHERE a.owner = 'session:' + s.id AND a.key IS NOT NULL
    RETURN [a.key, a.value]
  } AS sessionAttributes
