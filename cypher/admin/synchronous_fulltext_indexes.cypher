// Fulltext indexes updated inside each commit (`fulltext.eventually_consistent` false): the
// schema declares message_text eventually consistent, so migrate replaces an older synchronous one.
SHOW FULLTEXT INDEXES YIELD name, options
WHERE options.indexConfig['fulltext.eventually_consistent'] = false
RETURN name
