// Append audit entries. Nothing in the API updates or deletes AuditEvent nodes.
UNWIND $entries AS e
CREATE (:AuditEvent {
  id: e.id, at: datetime({epochMillis: e.at}), subject: e.subject, role: e.role,
  operation: e.operation, targets: e.targets, outcome: e.outcome, requestId: e.requestId
})
