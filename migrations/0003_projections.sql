-- Read models built from the events alone by projections/ (rebuildable at any time).

CREATE TABLE projection_tracking (
    name text PRIMARY KEY,
    position bigint NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE product_view (
    shop text NOT NULL,
    sku text NOT NULL,
    product_id uuid NOT NULL,
    name text, unit text, vat text,
    base_price numeric, stock1 numeric,
    category text, image jsonb, description text,
    sale_prices jsonb NOT NULL DEFAULT '{}',
    version bigint NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    last_sync uuid,
    PRIMARY KEY (shop, sku)
);
CREATE INDEX product_view_updated_idx ON product_view (shop, updated_at);
CREATE UNIQUE INDEX product_view_product_id_idx ON product_view (product_id);

CREATE TABLE field_history (
    position bigint NOT NULL,
    field text NOT NULL,
    shop text NOT NULL,
    sku text NOT NULL,
    at timestamptz NOT NULL,
    old jsonb,
    new jsonb,
    sync_id uuid,
    source text NOT NULL,
    PRIMARY KEY (position, field)
);
CREATE INDEX field_history_product_idx ON field_history (shop, sku, position);
CREATE INDEX field_history_sync_idx ON field_history (sync_id);

CREATE TABLE price_history (
    position bigint PRIMARY KEY,
    shop text NOT NULL,
    sku text NOT NULL,
    at timestamptz NOT NULL,
    base_price numeric,
    sale_prices jsonb NOT NULL,
    effective_sale_price numeric,
    sync_id uuid,
    source text NOT NULL
);
CREATE INDEX price_history_product_idx ON price_history (shop, sku, position);

CREATE TABLE category_view (
    category_id uuid NOT NULL UNIQUE,
    shop text NOT NULL,
    category_key text NOT NULL,
    kulcs_id text,
    name text NOT NULL,
    parent_key text,
    active boolean NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    last_sync uuid,
    PRIMARY KEY (shop, category_key)
);

CREATE TABLE sync_log (
    sync_id uuid PRIMARY KEY,
    shop text NOT NULL,
    kind text NOT NULL,
    received_at timestamptz NOT NULL,
    outcome text NOT NULL,
    counts jsonb NOT NULL,
    errors jsonb NOT NULL,
    message text,
    replay_of uuid,
    parser_version text,
    request_sha256 text,
    position bigint NOT NULL
);
CREATE INDEX sync_log_shop_idx ON sync_log (shop, received_at DESC, sync_id);

CREATE TABLE shop_settings_history (
    position bigint PRIMARY KEY,
    shop text NOT NULL,
    at timestamptz NOT NULL,
    actor text,
    changes jsonb NOT NULL
);
CREATE INDEX shop_settings_history_idx ON shop_settings_history (shop, position);

INSERT INTO projection_tracking (name, position) VALUES ('views', 0);
