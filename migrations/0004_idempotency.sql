-- The first answer to a Kulcs call that carried an Idempotency-Key (or X-Request-Id), per shop.
CREATE TABLE idempotent_answers (
    shop text NOT NULL,
    idempotency_key text NOT NULL,
    sync_id uuid NOT NULL,
    status integer NOT NULL,
    body bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (shop, idempotency_key)
);
