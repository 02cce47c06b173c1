-- The price list as of a moment: the last price point of each SKU at or before it.
CREATE INDEX price_history_at_idx ON price_history (shop, sku, at);
