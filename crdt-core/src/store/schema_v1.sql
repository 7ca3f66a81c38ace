-- aidmesh device database, schema 1.
-- `chunks` is the source of truth (automerge saves and change chunks, applied in id order).
-- Everything else is an index derived from the document, rebuilt when it falls behind.
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE chunks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    snapshot INTEGER NOT NULL,
    data BLOB NOT NULL
);
CREATE TABLE needs (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    category TEXT NOT NULL,
    urgency INTEGER NOT NULL,
    area TEXT NOT NULL,
    needed_by INTEGER,
    created_at INTEGER NOT NULL,
    json TEXT NOT NULL
);
CREATE INDEX needs_in_order ON needs (urgency, needed_by IS NULL, needed_by, created_at);
CREATE INDEX needs_by_status ON needs (status, urgency, needed_by IS NULL, needed_by, created_at);
CREATE INDEX needs_by_area ON needs (area, urgency);
-- Contentless: the text lives in `needs.json`; this holds only the search index.
CREATE VIRTUAL TABLE needs_text USING fts5 (
    title, description, area,
    content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TABLE offers (
    id TEXT PRIMARY KEY,
    member TEXT NOT NULL,
    status TEXT NOT NULL,
    area TEXT NOT NULL,
    categories TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    json TEXT NOT NULL
);
CREATE TABLE assignments (
    id TEXT PRIMARY KEY,
    need TEXT NOT NULL,
    volunteer TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    json TEXT NOT NULL
);
CREATE INDEX assignments_by_need ON assignments (need);
CREATE INDEX assignments_by_volunteer ON assignments (volunteer);
CREATE TABLE members (id TEXT PRIMARY KEY, display_name TEXT NOT NULL, json TEXT NOT NULL);
CREATE TABLE invalid_records (
    collection TEXT NOT NULL,
    id TEXT NOT NULL,
    reason TEXT NOT NULL,
    PRIMARY KEY (collection, id)
);
-- Devices this one has synced with, and the automerge sync state to resume from.
CREATE TABLE peers (
    device TEXT PRIMARY KEY,
    address TEXT,
    last_synced_at INTEGER,
    sync_state BLOB
);
-- The timebank. `status` is derived from the entry's verdicts (see `ledger.rs`) when either is
-- indexed, so balances are sums over confirmed rows.
CREATE TABLE hour_entries (
    id TEXT PRIMARY KEY,
    from_member TEXT NOT NULL,
    to_party TEXT NOT NULL,
    quarters INTEGER NOT NULL,
    status TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    json TEXT NOT NULL
);
CREATE INDEX hour_entries_given ON hour_entries (status, from_member, quarters);
CREATE INDEX hour_entries_received ON hour_entries (status, to_party, quarters);
CREATE INDEX hour_entries_from ON hour_entries (from_member, created_at);
CREATE INDEX hour_entries_to ON hour_entries (to_party, created_at);
CREATE TABLE hour_verdicts (id TEXT PRIMARY KEY, entry TEXT NOT NULL, json TEXT NOT NULL);
CREATE INDEX hour_verdicts_by_entry ON hour_verdicts (entry);
