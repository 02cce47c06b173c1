-- The fingerprint of the last row Kulcs sent for each product (parser version, sync mode and
-- category tree included), so an unchanged row of a whole-catalogue push is known without parsing it.
ALTER TABLE product_state ADD COLUMN fingerprint bytea;
