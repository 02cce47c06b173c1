-- Every change of a category (created, renamed, moved, deactivated), as projected from the events.
CREATE TABLE category_history (
    position bigint NOT NULL,
    field text NOT NULL,
    shop text NOT NULL,
    category_key text NOT NULL,
    at timestamptz NOT NULL,
    old jsonb,
    new jsonb,
    sync_id uuid,
    source text NOT NULL,
    PRIMARY KEY (position, field)
);
CREATE INDEX category_history_idx ON category_history (shop, category_key, position);
