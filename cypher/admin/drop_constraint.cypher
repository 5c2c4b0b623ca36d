// Drop one constraint by name (a parameter), if it exists.
DROP CONSTRAINT $name IF EXISTS
