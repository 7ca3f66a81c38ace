-- aidmesh device database, schema 5: group secrets named by the secret, not the epoch.
-- Two removals made apart start two secrets for one epoch; a device may hold both, and uses
-- the one the record names (`current`).
CREATE TABLE epoch_secrets (
    secret BLOB PRIMARY KEY,
    epoch INTEGER NOT NULL,
    current INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
INSERT INTO epoch_secrets (secret, epoch, current)
    SELECT secret, epoch, epoch = (SELECT max(epoch) FROM epochs) FROM epochs;
DROP TABLE epochs;
