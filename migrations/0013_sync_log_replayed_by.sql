-- Who ran a replay (Sync.Created's replayed_by), shown in the sync list and detail. Replays stored
-- before the event named their runner keep NULL: nothing recorded who ran them.
ALTER TABLE sync_log ADD COLUMN IF NOT EXISTS replayed_by text;  -- IF NOT EXISTS: numbered 0014 for a while
