-- aidmesh device database, schema 7: the open conflicts, kept with the index so that lists,
-- badges and the meeting report show them without loading the document (seconds on a group
-- with years of history). Filled on first use; `meta.conflicts_indexed` says it is current.
CREATE TABLE conflicts (id TEXT PRIMARY KEY, json TEXT NOT NULL);
