"""The XML answers Kulcs gets (kulcs-protocol.md): counts and row errors, or a document error."""
from __future__ import annotations

from lxml import etree

from ledger.kulcs.xml_text import writable

RESULT_OF_OUTCOME = {"applied": "OK", "partial": "RESZLEGES", "rejected": "HIBA",
                     "ignored": "FIGYELMEN_KIVUL", "duplicate": "OK"}


def _document(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _child(parent, tag: str, text) -> etree._Element:
    element = etree.SubElement(parent, tag)
    element.text = "" if text is None else writable(str(text))
    return element


def upload_answer(sync_id, outcome: str, counts: dict, errors: list[dict]) -> bytes:
    root = etree.Element("valasz")
    _child(root, "eredmeny", RESULT_OF_OUTCOME[outcome])
    _child(root, "szinkron", sync_id)
    _child(root, "fogadott", counts.get("received", 0))
    _child(root, "letrehozott", counts.get("created", 0))
    _child(root, "modositott", counts.get("modified", 0))
    _child(root, "valtozatlan", counts.get("unchanged", 0))
    _child(root, "kihagyott", counts.get("skipped", 0))
    errors_element = etree.SubElement(root, "hibak")
    for error in errors:
        hiba = _child(errors_element, "hiba", error["reason"])
        hiba.set("sor", str(error["row"]))
        if error.get("sku"):
            hiba.set("termekkod", writable(error["sku"]))
    return _document(root)


def error_answer(message: str, sync_id=None) -> bytes:
    root = etree.Element("valasz")
    _child(root, "eredmeny", "HIBA")
    if sync_id is not None:
        _child(root, "szinkron", sync_id)
    _child(root, "uzenet", message)
    return _document(root)


def render_upload_answer(result) -> tuple[int, bytes]:
    """U1 and U5: 200 with the counts when the document was understood, 400 when it was not."""
    if result.outcome == "rejected":
        return 400, error_answer(result.message or "hibás dokumentum", result.sync_id)
    return 200, upload_answer(result.sync_id, result.outcome, result.counts, result.errors)
