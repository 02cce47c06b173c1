-- Tamper evidence: every transaction that inserts events appends one link. `digests` holds one
-- SHA-256 per event (id, originator, version, topic, state); `link` = SHA-256(prev_link || digests).
-- Kept by the recorder under the event table's writers' lock (ledger/storage/recorder.py), so links follow commit order.
CREATE TABLE ledger_events_chain (
    last_id bigint PRIMARY KEY,
    first_id bigint NOT NULL,
    prev_link bytea NOT NULL,
    link bytea NOT NULL,
    digests bytea[] NOT NULL
);
