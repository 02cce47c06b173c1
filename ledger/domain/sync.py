"""One Kulcs call: what was received, how it ended, what it counted."""
from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate

OUTCOMES = ("applied", "partial", "rejected", "ignored", "duplicate")
KINDS = ("products", "categories", "orders_download", "orders_confirm", "products_download")


class Sync(Aggregate):
    TOPIC = "kulcs-ledger:Sync"

    class Created(Aggregate.Created):
        TOPIC = "kulcs-ledger:Sync.Created"
        shop: str
        kind: str
        received_at: datetime
        outcome: str
        counts: dict
        errors: list
        message: str | None
        parser_version: str | None
        request_sha256: str
        replay_of: UUID | None
        # Who ran a replay (an API token's or web sign-in's name, or cli:<OS user>); None for a call
        # from Kulcs, and for every sync stored before replays named their runner (the class default
        # answers for the missing key when such an event is decoded).
        replayed_by: str | None = None

    def __init__(self, shop, kind, received_at, outcome, counts, errors, **_rest) -> None:
        self.shop = shop
        self.kind = kind
        self.received_at = received_at
        self.outcome = outcome
        self.counts = counts
        self.errors = errors
