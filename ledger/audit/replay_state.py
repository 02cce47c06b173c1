"""Decision state recomputed from the events alone, to compare with what the writers kept."""
from __future__ import annotations

from ledger.domain.category import Category
from ledger.domain.order import Order
from ledger.domain.product import Product


def fold(states: dict, event) -> None:
    """Applies one decoded event to `states`, keyed by (kind, originator id). A change to an aggregate
    whose creation is missing (a deleted event) is skipped: the comparison then shows the damage."""
    if isinstance(event, Product.Created):
        states[("product", event.originator_id)] = {
            "shop": event.shop, "key": event.sku, "version": 1, "fields": dict(event.fields),
            "sale_prices": dict(event.sale_prices)}
    elif isinstance(event, Product.Changed) and ("product", event.originator_id) in states:
        state = states[("product", event.originator_id)]
        state["version"] = event.originator_version
        state["fields"].update({f: c["new"] for f, c in event.changes.items()})
        for priority, change in event.sale_price_changes.items():
            if change["new"] is None:
                state["sale_prices"].pop(priority, None)
            else:
                state["sale_prices"][priority] = change["new"]
    elif isinstance(event, Category.Created):
        states[("category", event.originator_id)] = {
            "shop": event.shop, "key": event.category_key, "version": 1, "name": event.name,
            "parent_key": event.parent_key, "active": True, "kulcs_id": event.kulcs_id}
    elif isinstance(event, Category.Changed) and ("category", event.originator_id) in states:
        state = states[("category", event.originator_id)]
        state["version"] = event.originator_version
        state.update({f: c["new"] for f, c in event.changes.items()})
    elif isinstance(event, Order.Created):
        states[("order", event.originator_id)] = {
            "shop": event.shop, "key": event.order_id, "version": 1, "status": "pending",
            "confirmed": False, "kulcs_status": None, "document_number": None}
    elif isinstance(event, Order.Event) and ("order", event.originator_id) in states:
        state = states[("order", event.originator_id)]
        state["version"] = event.originator_version
        if isinstance(event, Order.Cancelled):
            state["status"] = "cancelled"
        elif isinstance(event, Order.Confirmed):
            state["confirmed"] = True
            state["kulcs_status"] = event.kulcs_status or state["kulcs_status"]
            state["document_number"] = event.document_number or state["document_number"]
