-- State written in the same transaction as the events that cause it (see ledger/storage/recorder.py).

CREATE TABLE shops (
    webshopid text PRIMARY KEY,
    shop_id uuid NOT NULL UNIQUE,
    version bigint NOT NULL,
    sync_type text NOT NULL CHECK (sync_type IN ('stock_price', 'full')),
    password_hash text NOT NULL,
    import_password_hash text,
    shipping_sku text,
    payment_fee_sku text,
    coupon_sku text,
    manage_categories boolean NOT NULL DEFAULT false,
    payment_due_days integer,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);

CREATE TABLE api_tokens (
    token_id text PRIMARY KEY,
    salt bytea NOT NULL,
    digest bytea NOT NULL,
    role text NOT NULL CHECK (role IN ('admin', 'support', 'auditor', 'shop')),
    shop text,
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
);

-- The decision state: one row per product, read in one query for all SKUs of a push.
CREATE TABLE product_state (
    shop text NOT NULL,
    sku text NOT NULL,
    product_id uuid NOT NULL,
    version bigint NOT NULL,
    fields jsonb NOT NULL,
    sale_prices jsonb NOT NULL,
    PRIMARY KEY (shop, sku)
);

CREATE TABLE category_state (
    shop text NOT NULL,
    category_key text NOT NULL,
    category_id uuid NOT NULL,
    version bigint NOT NULL,
    kulcs_id text,
    name text NOT NULL,
    parent_key text,
    active boolean NOT NULL,
    PRIMARY KEY (shop, category_key)
);
CREATE INDEX category_state_name_idx ON category_state (shop, lower(name));

-- Every Kulcs call exactly as received; written with the sync's events, never updated.
CREATE TABLE kulcs_requests (
    sync_id uuid PRIMARY KEY,
    shop text NOT NULL,
    kind text NOT NULL,
    received_at timestamptz NOT NULL,
    method text NOT NULL,
    path text NOT NULL,
    query text NOT NULL,
    content_type text,
    headers jsonb NOT NULL,
    remote text,
    body bytea NOT NULL,
    body_sha256 text NOT NULL
);
CREATE INDEX kulcs_requests_shop_idx ON kulcs_requests (shop, received_at);

CREATE TABLE images (
    sha256 text PRIMARY KEY,
    media_type text NOT NULL,
    data bytea NOT NULL,
    first_sync uuid NOT NULL
);
