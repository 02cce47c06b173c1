-- A large body received again byte for byte (a whole catalogue pushed every hour, most of it
-- unchanged) is stored once per shop: the later call's row names the call whose row holds those
-- bytes (`body_stored_with`), with an empty `body` of its own. Its `body_sha256` and every other
-- column are its own; readers give back the bytes as received either way. The held row can no
-- longer be deleted on its own (the foreign key), which keeps a later call's body from vanishing.
ALTER TABLE kulcs_requests ADD COLUMN body_stored_with uuid REFERENCES kulcs_requests (sync_id);
ALTER TABLE kulcs_requests ADD CONSTRAINT kulcs_requests_body_held_elsewhere
    CHECK (body_stored_with IS NULL OR (body = '' AND body_compression IS NULL));
-- The rows that may hold a body for a later call: those stored compressed (the large ones).
CREATE INDEX kulcs_requests_held_body_idx ON kulcs_requests (shop, body_sha256)
    WHERE body_compression IS NOT NULL;
