-- The price list as of a moment is every event stamped at or before it, applied in commit order: for
-- each SKU and price field, the change with the highest position among those stamped <= the moment
-- (ledger/read/audit.py). Stamps do not follow commit order, so the price_history rows by time
-- (0008) answered with prices already overwritten; the list is read from field_history's price
-- fields instead, through this index (its predicate is the query's, text for text).
CREATE INDEX field_history_prices_idx ON field_history (shop, sku, field, position DESC)
    WHERE field = 'base_price' OR field LIKE 'sale\_price:%';
-- Nothing else reads price_history by time.
DROP INDEX IF EXISTS price_history_at_idx;
