"""Read models built from the event log alone: batched, exactly once, rebuildable."""
