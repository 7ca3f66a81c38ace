-- aidmesh device database, schema 6: the meeting report reads hours logged in a period from an
-- index alone (when, who, to whom, how much, confirmed or not, in what), not from every entry's
-- JSON: a group logs hundreds of thousands of entries over the years.
ALTER TABLE hour_entries ADD COLUMN category TEXT;
UPDATE hour_entries SET category = json_extract(json, '$.category');
CREATE INDEX hour_entries_by_time ON hour_entries (created_at, from_member, to_party, quarters, status, category);
