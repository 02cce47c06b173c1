"""U5 category upload: Kulcs's whole category tree, accepted only as a consistent whole."""
from __future__ import annotations

from dataclasses import dataclass

from ledger.domain.ids import MAX_KEY_CHARS

from .xml_safety import DocumentError, local_name, parse_xml_safely

PARSER_VERSION = "kulcs-u5/1"
_FIELDS = ("azonosito", "nev", "szulo")
_NO_PARENT = ("", "0")


@dataclass(frozen=True)
class CategoryRow:
    index: int
    kulcs_id: str
    name: str
    parent_id: str | None


def parse_category_upload(body: bytes, *, max_rows: int = 100_000) -> list[CategoryRow]:
    root = parse_xml_safely(body, expected_roots=("kategoriak",))
    elements = [element for element in root if local_name(element) == "kategoria"]
    if len(elements) > max_rows:
        raise DocumentError(f"túl sok sor: {len(elements)} (legfeljebb {max_rows})")
    rows = [_row(index, element) for index, element in enumerate(elements, 1)]
    _refuse_duplicate_ids(rows)
    _refuse_unknown_parents(rows)
    _refuse_cycles(rows)
    return rows


def _row(index: int, element) -> CategoryRow:
    values: dict[str, str] = {}
    for child in element:
        name = local_name(child)
        if name not in _FIELDS:
            continue
        if name in values:
            raise DocumentError(f"a(z) <{name}> többször szerepel (sor {index})")
        values[name] = "".join(child.itertext()).strip()
    kulcs_id, name = values.get("azonosito", ""), values.get("nev", "")
    if not kulcs_id:
        raise DocumentError(f"hiányzó azonosító (sor {index})")
    if not name:
        raise DocumentError(f"hiányzó név: {kulcs_id} (sor {index})")
    for field, text in values.items():
        if len(text) > MAX_KEY_CHARS:
            raise DocumentError(f"túl hosszú <{field}>: legfeljebb {MAX_KEY_CHARS} karakter (sor {index})")
    parent_id = values.get("szulo", "")
    return CategoryRow(index=index, kulcs_id=kulcs_id, name=name,
                       parent_id=None if parent_id in _NO_PARENT else parent_id)


def _refuse_duplicate_ids(rows: list[CategoryRow]) -> None:
    seen: set[str] = set()
    for row in rows:
        if row.kulcs_id in seen:
            raise DocumentError(f"ismétlődő azonosító: {row.kulcs_id} (sor {row.index})")
        seen.add(row.kulcs_id)


def _refuse_unknown_parents(rows: list[CategoryRow]) -> None:
    ids = {row.kulcs_id for row in rows}
    for row in rows:
        if row.parent_id is not None and row.parent_id not in ids:
            raise DocumentError(f"ismeretlen szülő kategória: {row.parent_id} (sor {row.index})")


def _refuse_cycles(rows: list[CategoryRow]) -> None:
    parent_of = {row.kulcs_id: row.parent_id for row in rows}
    reaches_root: set[str] = set()
    for row in rows:
        path: list[str] = []
        on_path: set[str] = set()
        current = row.kulcs_id
        while current is not None and current not in reaches_root:
            if current in on_path:
                cycle = path[path.index(current):] + [current]
                raise DocumentError("körkörös kategóriafa: " + " → ".join(cycle))
            path.append(current)
            on_path.add(current)
            current = parent_of[current]
        reaches_root.update(path)
