-- Orders: the write-side state (decisions on U2 and U3) and the read model.
CREATE TABLE order_state (
    shop text NOT NULL,
    order_id text NOT NULL,
    order_uuid uuid NOT NULL,
    version bigint NOT NULL,
    status text NOT NULL CHECK (status IN ('pending', 'cancelled')),
    confirmed boolean NOT NULL,
    kulcs_status text,
    document_number text,
    placed_at timestamptz NOT NULL,
    payload jsonb NOT NULL,
    PRIMARY KEY (shop, order_id)
);
CREATE INDEX order_state_pending_idx ON order_state (shop, placed_at, order_id)
    WHERE status = 'pending' AND NOT confirmed;

CREATE TABLE order_view (
    order_uuid uuid PRIMARY KEY,
    shop text NOT NULL,
    order_id text NOT NULL,
    status text NOT NULL,
    placed_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL,
    payload jsonb NOT NULL,
    downloads jsonb NOT NULL DEFAULT '[]',
    confirmed_at timestamptz,
    confirmed_sync uuid,
    document_number text,
    kulcs_status text,
    cancelled_at timestamptz,
    updated_at timestamptz NOT NULL,
    UNIQUE (shop, order_id)
);
