-- aidmesh device database, schema 8: the meeting report's index of hours names the giver and
-- the receiver by a small number (`parties`) instead of a 36-character id, so a half year of
-- entries is read from a third of the pages (each one decrypted and checked).
CREATE TABLE parties (no INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE);
INSERT OR IGNORE INTO parties (id) SELECT from_member FROM hour_entries UNION SELECT to_party FROM hour_entries;
ALTER TABLE hour_entries ADD COLUMN from_no INTEGER;
ALTER TABLE hour_entries ADD COLUMN to_no INTEGER;
UPDATE hour_entries SET from_no = (SELECT no FROM parties WHERE id = from_member), to_no = (SELECT no FROM parties WHERE id = to_party);
DROP INDEX hour_entries_by_time;
CREATE INDEX hour_entries_by_time ON hour_entries (created_at, from_no, to_no, quarters, status, category);
