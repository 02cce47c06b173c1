"""For auditors and support: the past on demand, replays, and proof that nothing was altered."""
