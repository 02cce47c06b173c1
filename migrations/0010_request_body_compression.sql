-- A large request's body is stored compressed by the service (zlib), not by PostgreSQL: pglz took
-- ~0.9 s for a 36 MB catalogue, under the event table's lock; zlib takes ~0.3 s before the lock and
-- stores it in a sixth of the space. NULL: the body is stored as received. Readers give back the
-- bytes as received either way, and their SHA-256 is what `body_sha256` and the Sync event record.
ALTER TABLE kulcs_requests ADD COLUMN body_compression text
    CHECK (body_compression IN ('zlib'));
