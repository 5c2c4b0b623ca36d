// Does the database answer at all (a cheap probe, no data touched)?
RETURN 1 AS ok
