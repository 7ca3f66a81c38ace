-- aidmesh device database, schema 2: privacy.
-- Key envelopes (see `seal.rs`) live here, never in the shared record, so that deleting one
-- really makes what it opened unreadable. `id` orders them for sending only what is new.
CREATE TABLE envelopes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    subject TEXT NOT NULL,
    recipient TEXT NOT NULL,
    sealed BLOB NOT NULL,
    UNIQUE (subject, recipient)
);
-- The last envelope id already sent to each peer.
ALTER TABLE peers ADD COLUMN envelopes_sent INTEGER NOT NULL DEFAULT 0;
-- Every group secret this device holds, by epoch; the highest is current.
CREATE TABLE epochs (epoch INTEGER PRIMARY KEY, secret BLOB NOT NULL);
INSERT INTO epochs (epoch, secret) SELECT 0, unhex(value) FROM meta WHERE key = 'group_secret';
DELETE FROM meta WHERE key = 'group_secret';
-- Encrypted pages cost a decryption each time SQLite reads one: the organizer's usual filter
-- (area, status, category) is answered from the index, and only matching rows are read.
DROP INDEX needs_by_area;
CREATE INDEX needs_by_area ON needs (area, status, category, urgency);
