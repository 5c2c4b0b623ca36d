// Sign out: the session ends now, whoever still holds its cookie.
MATCH (d:DashboardSession {hash: $hash})
DETACH DELETE d
