-- What each Kulcs call did to the orders: handed over (U2), confirmed or moved on (U3); read by the
-- sync detail ("every change it made"). Events already projected are filled in here, in the same
-- transaction that holds the projector's tracking row, so the projector carries on from there.
CREATE TABLE order_history (
    position bigint NOT NULL,
    field text NOT NULL,
    shop text NOT NULL,
    order_id text NOT NULL,
    at timestamptz NOT NULL,
    old jsonb,
    new jsonb,
    sync_id uuid NOT NULL,
    PRIMARY KEY (position, field)
);
CREATE INDEX order_history_sync_idx ON order_history (sync_id, position);

INSERT INTO order_history (position, field, shop, order_id, at, old, new, sync_id)
SELECT e.notification_id,
       CASE e.topic WHEN 'kulcs-ledger:Order.HandedOver' THEN 'handed_over' ELSE 'confirmed' END,
       v.shop, v.order_id, (s.state -> 'timestamp' ->> '_data_')::timestamptz, NULL,
       CASE e.topic WHEN 'kulcs-ledger:Order.HandedOver' THEN 'true'::jsonb
            ELSE jsonb_strip_nulls(jsonb_build_object('document_number', s.state -> 'document_number',
                                                      'kulcs_status', s.state -> 'kulcs_status')) END,
       (s.state -> 'sync_id' ->> '_data_')::uuid
FROM ledger_events e
CROSS JOIN LATERAL (SELECT convert_from(e.state, 'UTF8')::jsonb AS state) s
JOIN order_view v ON v.order_uuid = e.originator_id
WHERE e.topic IN ('kulcs-ledger:Order.HandedOver', 'kulcs-ledger:Order.Confirmed')
  AND e.notification_id <= (SELECT position FROM projection_tracking WHERE name = 'views' FOR UPDATE);
