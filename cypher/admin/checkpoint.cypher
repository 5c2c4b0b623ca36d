// Flush the store and let pruned transaction logs go (Enterprise; Community has no such
// procedure and checkpoints on db.checkpoint.interval.*).
CALL db.checkpoint()
