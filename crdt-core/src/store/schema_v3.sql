-- aidmesh device database, schema 3: signed changes.
-- Each change's Ed25519 signature by its author (`signing.rs`), kept beside the record and sent
-- with the change to every device, which checks it before applying the change.
CREATE TABLE signatures (hash BLOB PRIMARY KEY, signature BLOB NOT NULL) WITHOUT ROWID;
