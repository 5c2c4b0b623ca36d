// Drop one index by name (a parameter), if it exists.
DROP INDEX $name IF EXISTS
