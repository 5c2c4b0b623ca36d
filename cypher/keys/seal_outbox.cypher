// Write back Outbox recipients and destinations sealed by graph/store/sealing.py ($items: {id,
// recipient, destination, clearRecipient, clearDestination}); a value changed meanwhile (the
// worker only writes status fields, but a retry could) is left as it is.
UNWIND $items AS row
MATCH (o:Outbox {id: row.id})
SET o.recipient = CASE WHEN o.recipient = row.clearRecipient THEN row.recipient
                       ELSE o.recipient END,
    o.destination = CASE WHEN o.destination = row.clearDestination THEN row.destination
                         ELSE o.destination END
RETURN count(*) AS items
