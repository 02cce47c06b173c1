"""U3 confirm: the orders Kulcs has stored, with the document it made and the status it reports."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from .xml_safety import DocumentError, local_name, parse_xml_safely

PARSER_VERSION = "kulcs-u3/1"
STATUSES = {"teljesítve": "invoiced", "elküldve": "delivery_note"}
_FIELDS = ("azonosito", "bizonylatszam", "statusz")
_MAX_SHOWN_CHARS = 40


@dataclass(frozen=True)
class Confirmation:
    """`error`: the row cannot be applied. `status_error`: a status this service does not know; the
    order is still confirmed (Kulcs has stored it), only its status is not moved."""
    index: int
    order_id: str | None
    document_number: str | None
    status: str | None
    error: str | None
    status_error: str | None = None


def _folded(text: str) -> str:
    # Kulcs may send the status without accents ("Teljesitve") or in another case.
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


_STATUS_OF_FOLDED = {_folded(text): status for text, status in STATUSES.items()}


def parse_confirmations(body: bytes, *, max_rows: int = 100_000) -> list[Confirmation]:
    root = parse_xml_safely(body, expected_roots=("visszaigazolas",))
    elements = [element for element in root if local_name(element) == "megrendeles"]
    if len(elements) > max_rows:
        raise DocumentError(f"túl sok sor: {len(elements)} (legfeljebb {max_rows})")
    return [_confirmation(index, element) for index, element in enumerate(elements, 1)]


def _confirmation(index: int, element) -> Confirmation:
    values: dict[str, str] = {}
    for child in element:
        name = local_name(child)
        if name in _FIELDS and name not in values:
            values[name] = "".join(child.itertext()).strip()
    errors = []
    order_id = values.get("azonosito") or None
    if order_id is None:
        errors.append("azonosito: hiányzik")
    status_text = values.get("statusz") or None
    status = None if status_text is None else _STATUS_OF_FOLDED.get(_folded(status_text))
    status_error = None
    if status_text is not None and status is None:
        status_error = f"statusz: ismeretlen státusz: {_shown(status_text)}"
    return Confirmation(index=index, order_id=order_id, document_number=values.get("bizonylatszam") or None,
                        status=status, error="; ".join(errors) or None, status_error=status_error)


def _shown(text: str) -> str:
    return '"' + (text if len(text) <= _MAX_SHOWN_CHARS else text[:_MAX_SHOWN_CHARS] + "…") + '"'
