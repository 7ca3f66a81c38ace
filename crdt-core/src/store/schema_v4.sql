-- aidmesh device database, schema 4: equivocation seen.
-- A device that signed two different changes with one number (a modified app, a copied phone):
-- the refused change, kept so organizers see who did it (`Store::ignored`).
CREATE TABLE equivocations (
    device TEXT NOT NULL,
    seq INTEGER NOT NULL,
    change TEXT NOT NULL,
    seen_at INTEGER NOT NULL,
    PRIMARY KEY (device, seq)
) WITHOUT ROWID;
