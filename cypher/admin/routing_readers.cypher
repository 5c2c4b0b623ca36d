// The addresses that serve reads of this database, from the server's routing table (a cluster
// lists its secondaries; a single server lists itself).
CALL dbms.routing.getRoutingTable({}, $database) YIELD servers
UNWIND servers AS server
WITH server WHERE server.role = 'READ'
RETURN server.addresses AS readers
