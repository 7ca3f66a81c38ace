-- aidmesh device database, schema 9: generations of the group's record (issue 16). `chunks`
-- holds the generation this device works on (`meta.generation`, `meta.generation_depth`); the
-- generations it moved on from stay here, chunk by chunk, until the person deletes them.
CREATE TABLE archive_chunks (
    id INTEGER PRIMARY KEY,
    generation TEXT NOT NULL,
    depth INTEGER NOT NULL,
    data BLOB NOT NULL
);
CREATE INDEX archive_chunks_by_generation ON archive_chunks (generation, id);
