"""U5 category upload (all or nothing) and U3 confirmations (row by row)."""
import pytest

from ledger.kulcs.category_upload import PARSER_VERSION as CATEGORY_PARSER
from ledger.kulcs.category_upload import CategoryRow, parse_category_upload
from ledger.kulcs.confirm_upload import PARSER_VERSION as CONFIRM_PARSER
from ledger.kulcs.confirm_upload import STATUSES, Confirmation, parse_confirmations
from ledger.kulcs.xml_safety import DocumentError


def categories(*rows: tuple, encoding: str = "utf-8", root: str = "kategoriak") -> bytes:
    """rows: (azonosito, nev, szulo); None leaves the element out."""
    elements = "".join(
        "<kategoria>" + "".join(f"<{tag}>{value}</{tag}>" for tag, value in zip(("azonosito", "nev", "szulo"), row)
                                if value is not None) + "</kategoria>"
        for row in rows)
    return f'<?xml version="1.0" encoding="{encoding}"?>\n<{root}>{elements}</{root}>'.encode(encoding)


def rejection(body: bytes, **limits) -> str:
    with pytest.raises(DocumentError) as raised:
        parse_category_upload(body, **limits)
    return str(raised.value)


# --- U5 categories -------------------------------------------------------------------------------

def test_parser_versions_are_named_for_the_event_log():
    assert (CATEGORY_PARSER, CONFIRM_PARSER) == ("kulcs-u5/1", "kulcs-u3/1")


def test_the_protocol_example_reads_as_a_tree_in_windows_1250():
    body = categories(("15", "Kerti bútor", "0"), ("16", "Székek", "15"), ("17", "Fűnyírók és őrlők", "15"),
                      encoding="windows-1250")
    assert parse_category_upload(body) == [
        CategoryRow(index=1, kulcs_id="15", name="Kerti bútor", parent_id=None),
        CategoryRow(index=2, kulcs_id="16", name="Székek", parent_id="15"),
        CategoryRow(index=3, kulcs_id="17", name="Fűnyírók és őrlők", parent_id="15"),
    ]


def test_iso_8859_2_names_read_the_same():
    body = categories(("1", "Őszi ültetés", None), encoding="iso-8859-2")
    assert parse_category_upload(body)[0].name == "Őszi ültetés"


@pytest.mark.parametrize("parent", ["0", "", None])
def test_zero_empty_or_absent_parent_means_top_level(parent):
    assert parse_category_upload(categories(("1", "Kert", parent)))[0].parent_id is None


def test_element_names_match_case_insensitively_and_values_are_trimmed():
    body = b"<Kategoriak><KATEGORIA><Azonosito> 7 </Azonosito><NEV> Kert </NEV><Szulo>0</Szulo>" \
           b"<ismeretlen>x</ismeretlen></KATEGORIA></Kategoriak>"
    assert parse_category_upload(body) == [CategoryRow(index=1, kulcs_id="7", name="Kert", parent_id=None)]


def test_ids_stay_and_a_new_name_comes_through_as_sent():
    first = parse_category_upload(categories(("15", "Kerti bútor", "0")))
    renamed = parse_category_upload(categories(("15", "Kerti bútorok", "0")))
    assert (first[0].kulcs_id, renamed[0].kulcs_id) == ("15", "15")
    assert renamed[0].name == "Kerti bútorok"


def test_a_child_may_come_before_its_parent():
    rows = parse_category_upload(categories(("16", "Székek", "15"), ("15", "Kerti bútor", "0")))
    assert [(row.kulcs_id, row.parent_id) for row in rows] == [("16", "15"), ("15", None)]


def test_an_empty_tree_is_an_empty_upload():
    assert parse_category_upload(categories()) == []


def test_a_parent_missing_from_the_document_rejects_it():
    body = categories(("1", "Kert", "0"), ("2", "Szerszám", "1"), ("3", "Ásó", "99"))
    assert rejection(body) == "ismeretlen szülő kategória: 99 (sor 3)"


def test_a_cycle_rejects_the_document_and_shows_the_loop():
    body = categories(("1", "Kert", "2"), ("2", "Szerszám", "1"), ("3", "Ásó", "0"))
    assert rejection(body) == "körkörös kategóriafa: 1 → 2 → 1"


def test_a_longer_cycle_below_a_sound_branch_is_found():
    body = categories(("1", "Kert", "0"), ("2", "A", "1"), ("3", "B", "5"), ("4", "C", "3"), ("5", "D", "4"))
    assert rejection(body) == "körkörös kategóriafa: 3 → 5 → 4 → 3"


def test_a_category_that_is_its_own_parent_is_a_cycle():
    assert rejection(categories(("8", "Kert", "8"))) == "körkörös kategóriafa: 8 → 8"


def test_a_duplicate_id_rejects_the_document():
    body = categories(("1", "Kert", "0"), ("2", "Szerszám", "1"), ("1", "Kert 2", "0"))
    assert rejection(body) == "ismétlődő azonosító: 1 (sor 3)"


@pytest.mark.parametrize("row, message", [
    ((None, "Kert", "0"), "hiányzó azonosító (sor 2)"),
    (("  ", "Kert", "0"), "hiányzó azonosító (sor 2)"),
    (("2", None, "0"), "hiányzó név: 2 (sor 2)"),
    (("2", "", "0"), "hiányzó név: 2 (sor 2)"),
])
def test_a_row_without_id_or_name_rejects_the_document(row, message):
    assert rejection(categories(("1", "Kert", "0"), row)) == message


def test_a_field_given_twice_rejects_the_document():
    body = b"<kategoriak><kategoria><azonosito>1</azonosito><nev>A</nev><nev>B</nev></kategoria></kategoriak>"
    assert rejection(body) == "a(z) <nev> többször szerepel (sor 1)"


def test_too_many_rows_reject_the_document():
    body = categories(*[(str(n), f"K{n}", "0") for n in range(1, 5)])
    assert rejection(body, max_rows=3) == "túl sok sor: 4 (legfeljebb 3)"


def test_a_category_upload_with_another_root_is_refused():
    assert "váratlan gyökérelem: <termekek>" in rejection(categories(("1", "Kert", "0"), root="termekek"))


# --- U3 confirmations ----------------------------------------------------------------------------

def confirmations(*rows: str, encoding: str = "utf-8", root: str = "visszaigazolas") -> bytes:
    body = "".join(f"<megrendeles>{row}</megrendeles>" for row in rows)
    return f'<?xml version="1.0" encoding="{encoding}"?>\n<{root}>{body}</{root}>'.encode(encoding)


def test_the_protocol_example_confirms_an_invoiced_order():
    body = confirmations("<azonosito>100234</azonosito><bizonylatszam>VR-2026-0012</bizonylatszam>"
                         "<statusz>Teljesítve</statusz>", encoding="windows-1250")
    assert parse_confirmations(body) == [
        Confirmation(index=1, order_id="100234", document_number="VR-2026-0012", status="invoiced", error=None)]


@pytest.mark.parametrize("text, status", [
    ("Teljesítve", "invoiced"), ("TELJESÍTVE", "invoiced"), ("teljesitve", "invoiced"),
    (" Teljesitve ", "invoiced"),
    ("Elküldve", "delivery_note"), ("elkuldve", "delivery_note"), ("ELKÜLDVE", "delivery_note"),
])
def test_statuses_match_regardless_of_case_and_accents(text, status):
    (confirmation,) = parse_confirmations(confirmations(f"<azonosito>1</azonosito><statusz>{text}</statusz>"))
    assert (confirmation.status, confirmation.error) == (status, None)


def test_the_status_table_maps_to_the_two_documents():
    assert STATUSES == {"teljesítve": "invoiced", "elküldve": "delivery_note"}


@pytest.mark.parametrize("fields", ["<azonosito>1</azonosito>", "<azonosito>1</azonosito><statusz> </statusz>"])
def test_a_confirmation_without_status_or_document_number_is_plain(fields):
    assert parse_confirmations(confirmations(fields)) == [
        Confirmation(index=1, order_id="1", document_number=None, status=None, error=None)]


def test_an_unknown_status_is_noted_on_its_row_and_does_not_make_the_row_an_error():
    body = confirmations("<azonosito>1</azonosito><statusz>Sztornózva</statusz>",
                         "<azonosito>2</azonosito><statusz>Elküldve</statusz>")
    first, second = parse_confirmations(body)
    assert (first.order_id, first.status, first.error) == ("1", None, None)
    assert first.status_error == 'statusz: ismeretlen státusz: "Sztornózva"'
    assert (second.order_id, second.status, second.error, second.status_error) == ("2", "delivery_note", None, None)


def test_a_confirmation_without_an_id_is_a_row_error():
    (confirmation,) = parse_confirmations(confirmations("<bizonylatszam>VR-1</bizonylatszam>"))
    assert (confirmation.order_id, confirmation.document_number, confirmation.error) == (
        None, "VR-1", "azonosito: hiányzik")


def test_rows_are_numbered_and_other_elements_ignored():
    body = confirmations("<AZONOSITO>A</AZONOSITO>", "<azonosito>B</azonosito><megjegyzes>x</megjegyzes>")
    assert [(c.index, c.order_id) for c in parse_confirmations(body)] == [(1, "A"), (2, "B")]


def test_confirmations_under_another_root_are_refused():
    with pytest.raises(DocumentError, match="váratlan gyökérelem: <megrendelesek>"):
        parse_confirmations(confirmations("<azonosito>1</azonosito>", root="megrendelesek"))


@pytest.mark.parametrize("body", [b"", b"nem xml", b"<visszaigazolas><megrendeles>"])
def test_a_body_that_is_not_a_document_is_refused(body):
    with pytest.raises(DocumentError):
        parse_confirmations(body)


def test_too_many_confirmations_reject_the_document():
    body = confirmations(*["<azonosito>1</azonosito>"] * 3)
    with pytest.raises(DocumentError, match="túl sok sor: 3"):
        parse_confirmations(body, max_rows=2)
