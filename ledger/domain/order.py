"""A webshop order on its way to Kulcs: placed by the shop, handed over on U2, confirmed on U3."""
from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate

KULCS_STATUSES = ("invoiced", "delivery_note")
# An order's status as the API shows it (ledger.read.orders): a Kulcs status moves a confirmed order on.
ORDER_STATUSES = ("pending", "confirmed", *KULCS_STATUSES, "cancelled")


class StoredInKulcs(Exception):
    """The shop may not cancel an order Kulcs has confirmed: neither U2 nor U3 can tell Kulcs of a
    cancellation, so the two would silently disagree; it is cancelled in Kulcs instead."""

    def __init__(self, order_id: str, document_number: str | None, kulcs_status: str | None) -> None:
        stored_as = ", ".join(filter(None, (document_number, kulcs_status)))
        super().__init__(f"order {order_id} is confirmed by Kulcs" + (f" ({stored_as})" if stored_as else ""))
        self.detail = {
            "order_id": order_id, "document_number": document_number, "kulcs_status": kulcs_status,
            "resolution": "cancel it in Kulcs" + (f" (document {document_number})" if document_number else "")
                          + ": Kulcs is not told of an order cancelled in the shop"}


def check_cancellable(order_id: str, *, confirmed: bool, document_number: str | None,
                      kulcs_status: str | None) -> None:
    if confirmed:
        raise StoredInKulcs(order_id, document_number, kulcs_status)


class Order(Aggregate):
    TOPIC = "kulcs-ledger:Order"

    class Created(Aggregate.Created):
        """`order`: the webshop's JSON exactly as accepted; `ledger.domain.orders.parse_order` reads it."""

        TOPIC = "kulcs-ledger:Order.Created"
        shop: str
        order_id: str
        order: dict
        actor: str

    class Cancelled(Aggregate.Event):
        TOPIC = "kulcs-ledger:Order.Cancelled"
        actor: str

        def apply(self, order: "Order") -> None:
            order.status = "cancelled"

    class HandedOver(Aggregate.Event):
        """Kulcs downloaded the order (U2) in that sync."""

        TOPIC = "kulcs-ledger:Order.HandedOver"
        sync_id: UUID

    class Confirmed(Aggregate.Event):
        """Kulcs confirmed it stored the order (U3); `kulcs_status` moves with a later confirmation."""

        TOPIC = "kulcs-ledger:Order.Confirmed"
        sync_id: UUID
        document_number: str | None
        kulcs_status: str | None

        def apply(self, order: "Order") -> None:
            order.confirmed = True

        @property
        def given(self) -> dict:
            """What this confirmation said: a value Kulcs left out keeps the one given before."""
            return {name: value for name, value in (("document_number", self.document_number),
                                                    ("kulcs_status", self.kulcs_status)) if value is not None}

    def __init__(self, shop, order_id, order, **_actor) -> None:
        self.shop = shop
        self.order_id = order_id
        self.order = order
        self.status = "pending"
        self.confirmed = False
