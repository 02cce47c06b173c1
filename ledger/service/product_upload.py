"""U1: one Kulcs product upload, recorded and applied as one transaction."""
from __future__ import annotations

import contextlib
import json
import re
from collections import Counter

from ledger.domain.categories import CategoryBook
from ledger.domain.product_push import ELEMENTS_OF_MODE, ProductState, SyncContext, decide_push
from ledger.gc_pause import cyclic_gc_paused
from ledger.kulcs.answers import render_upload_answer
from ledger.kulcs.product_upload import PARSER_VERSION, parse_raw_row, read_raw_rows
from ledger.kulcs.xml_safety import DocumentError, encoding_of
from ledger.service.answers import (
    Answer, Render, answer_duplicate, previous_answer, reject_document, remember_answer,
)
from ledger.service.calls import ReceivedCall, SyncResult, sync_recorded
from ledger.service.ledger_app import LedgerApp, retry_on_conflict
from ledger.storage.state_writes import (
    CategoryStateRow, ProductStateRow, StoredImage, write_category_state, write_images,
    write_fingerprints, write_product_state,
)


def handle_product_upload(app: LedgerApp, call: ReceivedCall, sync_type: str, *, max_rows: int,
                          render: Render = render_upload_answer, xml: bytes | None = None,
                          idempotency_key: str | None = None, dry_run: bool = False) -> Answer:
    """`xml` is the document when it came inside a form; the call's body is what is recorded.
    A dry run decides everything and writes nothing."""
    if not dry_run and (previous := previous_answer(app, call.shop, idempotency_key)):
        return answer_duplicate(app, call, previous)
    document = call.body if xml is None else xml
    try:
        with cyclic_gc_paused() if len(document) >= _LARGE_DOCUMENT else contextlib.nullcontext():
            return retry_on_conflict(lambda: _apply_once(
                app, call, sync_type, document, max_rows, render, idempotency_key, dry_run))
    except DocumentError as error:
        return reject_document(app, call, str(error), render=render, key=idempotency_key,
                               parser_version=PARSER_VERSION, dry_run=dry_run)


def _apply_once(app, call, sync_type, document, max_rows, render, idempotency_key, dry_run=False) -> Answer:
    if not dry_run and (previous := previous_answer(app, call.shop, idempotency_key)):
        return answer_duplicate(app, call, previous)
    salt = f"{PARSER_VERSION}|{sync_type}|{_category_epoch(app, call.shop, sync_type, document)}"
    looked_up, known = _known_fingerprints(app, call.shop, document)
    recognised = {fingerprint: sku for sku, fingerprint in known.items() if fingerprint is not None}
    raw_rows = read_raw_rows(document, max_rows=max_rows, salt=salt, known=recognised).rows
    occurrences = Counter(raw.sku_text for raw in raw_rows)
    if recognised and _recognised_sku_sent_twice(raw_rows, occurrences):
        raw_rows = read_raw_rows(document, max_rows=max_rows, salt=salt).rows  # rare: every row read whole
        occurrences = Counter(raw.sku_text for raw in raw_rows)
    to_parse, seen_again, states, fingerprints = _rows_to_decide(
        app, call.shop, raw_rows, occurrences, looked_up, known)
    del raw_rows
    states.prefetch(raw.sku_text for raw in to_parse if raw.sku_text)
    uses_categories = sync_type == "full" and any("kat" in raw.texts[::2] for raw in to_parse)
    book = load_category_book(app, call.shop) if uses_categories else CategoryBook(call.shop)
    ctx = SyncContext(call.shop, call.sync_id, call.received_at, PARSER_VERSION,
                      "replay" if call.replay_of else "kulcs")
    new_fingerprints: dict = {}
    rows = _parsed(to_parse, occurrences, new_fingerprints, ELEMENTS_OF_MODE[sync_type])
    decision = decide_push(ctx, sync_type, rows, states, book)
    decision.counts["received"] += seen_again
    decision.counts["unchanged"] += seen_again
    pending = SyncResult(call.sync_id, decision.outcome, decision.counts, decision.errors)
    status, body = render(pending)
    sync_event = sync_recorded(call, outcome=decision.outcome, counts=decision.counts,
                               errors=decision.errors, message=None, parser_version=PARSER_VERSION)
    if dry_run:
        return Answer(pending, status, body, tuple(decision.events))
    changed = {sku: new_fingerprints.pop(sku, None) for sku in decision.changed_states}
    positions = app.save_events(*decision.events, sync_event, state_writes=[
        call.request_write(),
        write_product_state([
            ProductStateRow(call.shop, sku, s.product_id, s.version, s.fields, s.sale_prices, changed[sku])
            for sku, s in decision.changed_states.items()
        ]),
        write_fingerprints(call.shop, {sku: fp for sku, fp in new_fingerprints.items()
                                       if sku in states and fp != fingerprints.get(sku)}),
        write_category_state([
            CategoryStateRow(call.shop, e.category_key, e.originator_id, 1, e.kulcs_id, e.name,
                             e.parent_key, True)
            for e in book.created
        ]),
        write_images([StoredImage(i.value, i.media_type, i.data, call.sync_id)
                      for i in decision.images]),
        remember_answer(call, idempotency_key, status, body),
    ])
    result = SyncResult(call.sync_id, decision.outcome, decision.counts, decision.errors,
                        position=positions[-1])
    return Answer(result, status, body, tuple(decision.events))


def _recognised_sku_sent_twice(raw_rows, occurrences: Counter) -> bool:
    """A SKU sent twice is decided row by row, so none of its rows may be left unread."""
    return any(raw.texts is None and occurrences[raw.sku_text] > 1 for raw in raw_rows)


def _rows_to_decide(app, shop, raw_rows, occurrences: Counter, looked_up: set, known: dict):
    """The rows worth parsing: a SKU sent once whose row reads exactly as the last one applied
    (same parser, mode and category tree) cannot change anything and is counted unchanged."""
    more, loaded = load_states(app, shop, sorted(sku for sku in occurrences if sku and sku not in looked_up))
    fingerprints = {**known, **more}
    states = LazyStates(app, shop, fingerprints, loaded)
    to_parse, seen_again = [], 0
    for raw in raw_rows:
        if raw.texts is None:  # recognised while read, and its SKU sent once (else read again whole)
            seen_again += 1
        elif (occurrences[raw.sku_text] == 1 and raw.sku_text in states
              and fingerprints.get(raw.sku_text) == raw.fingerprint):
            seen_again += 1
        else:
            to_parse.append(raw)
    return to_parse, seen_again, states, fingerprints


def _parsed(to_parse: list, occurrences: Counter, new_fingerprints: dict, processed: frozenset):
    """Each row parsed as it is decided and let go of after: a catalogue's parsed rows, all alive
    beside its events, were the peak of a push's memory. Notes the fingerprint of each row that
    sets its SKU alone. Only the mode's elements are read (`processed`): a row that is valid under
    one mode may not be under the other, which the salt of the fingerprint (it holds the sync type)
    keeps apart."""
    for i, raw in enumerate(to_parse):
        to_parse[i] = None
        row = parse_raw_row(raw, processed=processed)
        if occurrences[raw.sku_text] == 1 and row.sku and not row.errors:
            new_fingerprints[row.sku] = raw.fingerprint
        yield row


_LARGE_DOCUMENT = 256 * 1024
_SKU_TEXT = re.compile(rb"<termekkod>([^<&]+)</termekkod>")  # a literal start: 4x faster to find
_KAT_ELEMENT = re.compile(rb"<(?:[^\s<>/:!?]+:)?kat[\s/>]", re.IGNORECASE)


def _known_fingerprints(app: LedgerApp, shop: str, document: bytes) -> tuple[set, dict]:
    """For a large upload, the fingerprints of the products it appears to name, read before the rows
    so that rows that read as before are not taken apart. The SKUs are picked from the bytes: one
    missed (an entity, CDATA, another spelling of the element) is only read the slow way; a row's
    real SKU comes from the XML parse."""
    if len(document) < _LARGE_DOCUMENT:
        return set(), {}
    picked = b"\x01".join({sku.strip() for sku in _SKU_TEXT.findall(document)})
    try:
        skus = picked.decode(encoding_of(document), errors="replace")  # a garbled one is just not found
    except (LookupError, UnicodeError):  # an encoding Python does not know, or a codec that cannot
        return set(), {}                  # "replace" (idna): the parser will say what it makes of it
    # PostgreSQL refuses a NUL in text; such a SKU is no SKU the parser will accept either
    skus = "\x01".join(sku for sku in skus.split("\x01") if "\x00" not in sku)
    rows = app.fetch_tuples("SELECT sku, fingerprint FROM product_state WHERE shop = %s"
                            " AND sku = ANY(string_to_array(%s, E'\\x01'))", (shop, skus))
    return set(skus.split("\x01")), dict(rows)  # bytea comes as bytes


def _category_epoch(app, shop: str, sync_type: str, document: bytes) -> int:
    """Changes with Kulcs's category tree (U5), which can make the same `kat` mean another category;
    categories that pushes create from names resolve the same name the same way again."""
    if sync_type != "full" or (len(document) < _LARGE_DOCUMENT and not _KAT_ELEMENT.search(document)):
        return 0  # a large document is not scanned: the query costs less than reading it once more
    return app.fetch("SELECT coalesce(sum(version), 0) + count(*) AS epoch FROM category_state"
                     " WHERE shop = %s AND kulcs_id IS NOT NULL", (shop,))[0]["epoch"]


def load_states(app: LedgerApp, shop: str, skus: list[str]) -> tuple[dict, dict]:
    """The fingerprints of the rows that last set these SKUs (None: set otherwise) and their decision
    states, in one round trip: for the few SKUs of a small upload, or those a large one's scan missed."""
    if not skus:
        return {}, {}
    fingerprints, states = {}, {}
    for sku, fingerprint, pid, version, fields, sale_prices in app.fetch_tuples(
            "SELECT sku, fingerprint, product_id, version, fields::text, sale_prices::text FROM product_state"
            " WHERE shop = %s AND sku = ANY(%s)", (shop, skus)):
        fingerprints[sku] = fingerprint and bytes(fingerprint)
        states[sku] = ProductState(pid, version, json.loads(fields), json.loads(sale_prices))
    return fingerprints, states


class LazyStates(dict):
    """Decision states read and decoded only for the rows that are decided: most rows of a catalogue
    push are recognised by their fingerprint and never need theirs. `prefetch` reads them in bulk."""

    def __init__(self, app: LedgerApp, shop: str, known: dict, loaded: dict) -> None:
        super().__init__(loaded)
        self._app, self._shop, self._known = app, shop, set(known)

    def prefetch(self, skus) -> None:
        wanted = sorted(sku for sku in set(skus) if sku in self._known and not dict.__contains__(self, sku))
        if not wanted:
            return
        for sku, pid, version, fields, sale_prices in self._app.fetch_tuples(
                "SELECT sku, product_id, version, fields::text, sale_prices::text FROM product_state"
                " WHERE shop = %s AND sku = ANY(%s)", (self._shop, wanted)):
            dict.__setitem__(self, sku, ProductState(pid, version, json.loads(fields), json.loads(sale_prices)))

    def __contains__(self, sku) -> bool:
        return dict.__contains__(self, sku) or sku in self._known

    def get(self, sku, default=None):
        if not dict.__contains__(self, sku) and sku in self._known:
            self.prefetch([sku])
        return dict.get(self, sku, default)

    def __getitem__(self, sku):
        state = self.get(sku, _MISSING)
        if state is _MISSING:
            raise KeyError(sku)
        return state


_MISSING = object()


def load_category_book(app: LedgerApp, shop: str) -> CategoryBook:
    """Every category of the shop for its Kulcs id: U5 deactivates a category missing from a new tree
    but never deletes it, and a product's `kat` naming its id still means that category (rather than
    a new one named after the id). Names match active categories only, as they always did."""
    book = CategoryBook(shop)
    for r in app.fetch("SELECT category_key, kulcs_id, name, active FROM category_state"
                       " WHERE shop = %s ORDER BY category_key", (shop,)):
        book.add(r["category_key"], r["name"], r["kulcs_id"], by_name=r["active"])
    return book
