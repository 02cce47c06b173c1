import base64
import hashlib
import socket
import time
from decimal import Decimal
from xml.sax.saxutils import escape

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.kulcs.product_upload import (
    PARSER_VERSION,
    PROCESSED_FIELDS,
    ImageRef,
    ProductRow,
    ProductUpload,
    parse_product_upload,
    read_raw_rows,
)
from ledger.kulcs.xml_safety import MAX_DEPTH, DocumentError, local_name, parse_xml_safely

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(64))
GIF = b"GIF89a" + bytes(range(64))


def document(*rows: str, encoding: str = "utf-8", root: str = "termekek") -> bytes:
    products = "".join(f"<termek>{row}</termek>" for row in rows)
    text = f'<?xml version="1.0" encoding="{encoding}"?>\n<{root}>{products}</{root}>'
    return text.encode(encoding)


def only_row(fields: str, **limits) -> ProductRow:
    (row,) = parse_product_upload(document(fields), **limits).rows
    return row


def test_the_protocol_example_reads_every_field():
    body = """<?xml version="1.0" encoding="windows-1250"?>
<termekek>
  <termek>
    <termekkod>KS-1001</termekkod>
    <ar>10 000,00</ar>
    <arakcios>8990</arakcios>
    <szabadraktar>12</szabadraktar>
    <nev>Példa termék</nev>
    <mee>db</mee>
    <afakulcs>27</afakulcs>
    <kep>https://example.hu/img/KS-1001.jpg</kep>
    <kat>15</kat>
    <tmegjegyzes>Hosszú leírás…</tmegjegyzes>
  </termek>
</termekek>
""".encode("windows-1250")
    upload = parse_product_upload(body)
    assert isinstance(upload, ProductUpload)
    assert upload.encoding == "windows-1250"
    assert upload.rows == [
        ProductRow(
            index=1,
            sku="KS-1001",
            values={
                "ar": Decimal("10000"),
                "arakcios": Decimal("8990"),
                "szabadraktar": Decimal("12"),
                "nev": "Példa termék",
                "mee": "db",
                "afakulcs": "27",
                "kep": ImageRef(kind="url", value="https://example.hu/img/KS-1001.jpg"),
                "kat": "15",
                "tmegjegyzes": "Hosszú leírás…",
            },
            errors=(),
        )
    ]


def test_parser_version_and_processed_fields_are_published():
    assert PARSER_VERSION == "kulcs-u1/1"
    assert set(PROCESSED_FIELDS) == {
        "ar", "arakcios", "szabadraktar", "nev", "mee", "afakulcs", "kep", "kat", "tmegjegyzes"
    }


# --- encodings -------------------------------------------------------------------------------

def test_windows_1250_body_keeps_o_and_u_double_acute():
    body = document("<termekkod>A</termekkod><nev>Tűzőgép ŐŰ őű</nev>", encoding="windows-1250")
    assert b"\xfb" in body  # ű as a single windows-1250 byte, not UTF-8
    upload = parse_product_upload(body)
    assert upload.rows[0].values["nev"] == "Tűzőgép ŐŰ őű"
    assert upload.encoding == "windows-1250"


def test_iso_8859_2_body():
    body = document("<termekkod>A</termekkod><nev>Árvíztűrő tükörfúrógép</nev>", encoding="iso-8859-2")
    upload = parse_product_upload(body)
    assert upload.rows[0].values["nev"] == "Árvíztűrő tükörfúrógép"
    assert upload.encoding == "iso-8859-2"


def test_body_without_declaration_is_utf8():
    upload = parse_product_upload("<termekek><termek><termekkod>Ő-1</termekkod></termek></termekek>".encode())
    assert upload.encoding == "utf-8"
    assert upload.rows[0].sku == "Ő-1"


def test_utf8_byte_order_mark_is_accepted():
    upload = parse_product_upload(b"\xef\xbb\xbf" + document("<termekkod>A</termekkod><nev>ő</nev>"))
    assert upload.rows[0].values["nev"] == "ő"


def test_invalid_bytes_for_declared_encoding():
    body = b'<?xml version="1.0" encoding="windows-1250"?><termekek><termek><nev>\x81\x98</nev></termek>'
    body += b"</termekek>"
    with pytest.raises(DocumentError, match="nem jól formált XML"):
        parse_product_upload(body)


def test_windows_1250_bytes_without_declaration_are_refused_as_utf8():
    body = "<termekek><termek><nev>Tűzőgép</nev></termek></termekek>".encode("windows-1250")
    with pytest.raises(DocumentError, match="nem jól formált XML"):
        parse_product_upload(body)


def test_unsupported_encoding_is_a_document_error():
    body = b'<?xml version="1.0" encoding="x-nincs-ilyen"?><termekek/>'
    with pytest.raises(DocumentError, match="nem jól formált XML"):
        parse_product_upload(body)


# --- what is not a document ------------------------------------------------------------------

@pytest.mark.parametrize("body", [b"", b"  \r\n\t "])
def test_empty_body_is_a_document_error(body):
    with pytest.raises(DocumentError, match="üres dokumentum"):
        parse_product_upload(body)


@pytest.mark.parametrize(
    "body", [b"termekkod=KS-1", b'{"termekek": []}', b"<termekek><termek></termekek>", b"<termekek/><x/>"]
)
def test_not_xml_is_a_document_error(body):
    with pytest.raises(DocumentError) as caught:
        parse_product_upload(body)
    assert str(caught.value).startswith("nem jól formált XML: ")


def test_wrong_root_is_a_document_error():
    with pytest.raises(DocumentError) as caught:
        parse_product_upload(document("<termekkod>A</termekkod>", root="kategoriak"))
    assert str(caught.value) == "váratlan gyökérelem: <kategoriak> (várt: <termekek>)"


def test_root_name_matches_case_insensitively_and_ignores_namespace():
    body = b'<k:TermeKek xmlns:k="urn:kulcs"><k:Termek><k:TermekKod>A</k:TermekKod></k:Termek></k:TermeKek>'
    assert [row.sku for row in parse_product_upload(body).rows] == ["A"]


def test_rows_spelled_otherwise_among_lower_case_ones_are_all_read():
    body = document("<termekkod>A</termekkod>", "<termekkod>B</termekkod>").replace(
        b"<termek><termekkod>B</termekkod></termek>", b"<TermeK><termekkod>B</termekkod></TermeK>")
    assert b"<TermeK>" in body
    assert [row.sku for row in parse_product_upload(body).rows] == ["A", "B"]


@pytest.mark.parametrize("position", [1, 499, 500, 501, 700, 1200])
def test_a_row_spelled_otherwise_is_read_wherever_it_stands_among_many(position):
    rows = [f"<termekkod>S{n}</termekkod>" for n in range(1, 1201)]
    body = document(*rows).replace(f"<termek><termekkod>S{position}</termekkod></termek>".encode(),
                                   f"<TERMEK><termekkod>S{position}</termekkod></TERMEK>".encode())
    assert [row.sku for row in parse_product_upload(body).rows] == [f"S{n}" for n in range(1, 1201)]


def test_other_elements_beside_the_rows_are_passed_over():
    body = document("<termekkod>A</termekkod>").replace(b"<termekek>", b"<termekek><fejlec>x</fejlec>")
    assert [row.sku for row in parse_product_upload(body).rows] == ["A"]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_upper_case_rows_are_read_in_encodings_that_do_not_spell_ascii_as_ascii(encoding):
    text = (f'<?xml version="1.0" encoding="{encoding}"?>'
            "<termekek><termek><termekkod>A</termekkod></termek>"
            "<TERMEK><termekkod>B</termekkod></TERMEK></termekek>")
    body = text.encode(encoding)
    assert [row.sku for row in parse_product_upload(body).rows] == ["A", "B"]


def test_parse_xml_safely_accepts_any_of_the_expected_roots():
    root = parse_xml_safely(b"<Visszaigazolas/>", expected_roots=("valasz", "visszaigazolas"))
    assert local_name(root) == "visszaigazolas"


def test_local_name_is_lower_case_without_namespace():
    root = parse_xml_safely(b'<a xmlns="urn:x"><B/></a>', expected_roots=("a",))
    assert [local_name(root), local_name(root[0])] == ["a", "b"]


# --- hostile input ---------------------------------------------------------------------------

def test_doctype_without_entities_is_refused():
    with pytest.raises(DocumentError, match="DOCTYPE"):
        parse_product_upload(b"<!DOCTYPE termekek><termekek/>")


def test_doctype_with_entity_is_refused():
    body = (
        b'<!DOCTYPE termekek [<!ENTITY kod "KS-1">]>'
        b"<termekek><termek><termekkod>&kod;</termekkod></termek></termekek>"
    )
    with pytest.raises(DocumentError, match="DOCTYPE"):
        parse_product_upload(body)


def test_billion_laughs_is_refused_without_expansion():
    entities = ['<!ENTITY lol0 "lollollollollollollollollollol">'] + [
        f'<!ENTITY lol{level} "{f"&lol{level - 1};" * 10}">' for level in range(1, 10)
    ]
    body = (
        f'<?xml version="1.0"?><!DOCTYPE termekek [{"".join(entities)}]>'
        "<termekek><termek><termekkod>A</termekkod><nev>&lol9;</nev></termek></termekek>"
    ).encode()
    started = time.perf_counter()
    with pytest.raises(DocumentError):
        parse_product_upload(body)
    assert time.perf_counter() - started < 1.0  # 10**9 "lol"s expanded would take far longer


def test_external_entity_is_refused(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TITKOS-JELSZO")
    body = (
        f'<!DOCTYPE termekek [<!ENTITY x SYSTEM "{secret.as_uri()}">]>'
        "<termekek><termek><termekkod>A</termekkod><nev>&x;</nev></termek></termekek>"
    ).encode()
    with pytest.raises(DocumentError) as caught:
        parse_product_upload(body)
    assert "TITKOS" not in str(caught.value)


def test_external_parameter_entity_is_refused(tmp_path):
    dtd = tmp_path / "evil.dtd"
    dtd.write_text('<!ENTITY x "TITKOS">')
    body = f'<!DOCTYPE termekek [<!ENTITY % p SYSTEM "{dtd.as_uri()}"> %p;]><termekek/>'.encode()
    with pytest.raises(DocumentError) as caught:
        parse_product_upload(body)
    assert "TITKOS" not in str(caught.value)


def test_external_dtd_is_never_fetched_from_the_network():
    listener = socket.create_server(("127.0.0.1", 0))
    listener.setblocking(False)
    port = listener.getsockname()[1]
    try:
        body = f'<!DOCTYPE termekek SYSTEM "http://127.0.0.1:{port}/kulcs.dtd"><termekek/>'.encode()
        with pytest.raises(DocumentError, match="DOCTYPE"):
            parse_product_upload(body)
        with pytest.raises(BlockingIOError):
            listener.accept()  # nobody connected
    finally:
        listener.close()


def test_xinclude_is_not_processed(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TITKOS")
    body = (
        '<termekek xmlns:xi="http://www.w3.org/2001/XInclude"><termek><termekkod>A</termekkod>'
        f'<nev><xi:include href="{secret.as_uri()}" parse="text"/></nev></termek></termekek>'
    ).encode()
    (row,) = parse_product_upload(body).rows
    assert row.values["nev"] == ""


def test_every_row_of_a_long_upload_is_read_in_order_whatever_is_let_go_of_on_the_way():
    rows = "".join(f"<termek><termekkod>S-{n}</termekkod><ar>{n}</ar></termek>\n" for n in range(5_003))
    parsed = parse_product_upload(f"<termekek>{rows}</termekek>".encode(), max_rows=10_000).rows
    assert [row.sku for row in parsed] == [f"S-{n}" for n in range(5_003)]
    assert [row.index for row in parsed] == list(range(1, 5_004))


def test_rows_read_for_a_decision_share_one_string_per_field_name():
    """A catalogue's read rows all wait for the decision: a name string per field per row (lxml makes a
    new one each time it is asked) weighed 50 MB of 100,000 rows."""
    body = document(*(f"<termekkod>S{n}</termekkod><ar>1</ar><NEV>x</NEV><q:mee xmlns:q='u'>db</q:mee>"
                      for n in range(3)))
    rows = read_raw_rows(body).rows
    assert [list(row.fields()) for row in rows][0] == [("termekkod", "S0"), ("ar", "1"), ("nev", "x"),
                                                       ("mee", "db")]
    for position in range(4):
        assert len({id(row.texts[2 * position]) for row in rows}) == 1


def test_an_over_deep_row_far_into_a_long_upload_is_refused():
    deep = "<x>" * MAX_DEPTH + "</x>" * MAX_DEPTH
    rows = [f"<termek><termekkod>S-{n}</termekkod></termek>" for n in range(1_500)]
    rows[1_234] = f"<termek><termekkod>D</termekkod><nev>{deep}</nev></termek>"
    with pytest.raises(DocumentError, match="túl mély"):
        parse_product_upload(f"<termekek>{''.join(rows)}</termekek>".encode())


def test_deep_nesting_refused():
    depth = MAX_DEPTH + 1
    body = b"<termekek>" + b"<x>" * (depth - 1) + b"</x>" * (depth - 1) + b"</termekek>"
    with pytest.raises(DocumentError, match="túl mély"):
        parse_product_upload(body)


def test_nesting_of_64_levels_is_accepted():
    body = b"<a>" * MAX_DEPTH + b"</a>" * MAX_DEPTH
    assert local_name(parse_xml_safely(body, expected_roots=("a",))) == "a"


def test_nesting_beyond_the_xml_parser_limit_is_a_document_error_not_a_crash():
    body = b"<a>" * 5000 + b"</a>" * 5000
    with pytest.raises(DocumentError):
        parse_xml_safely(body, expected_roots=("a",))


def test_comments_and_processing_instructions_are_dropped():
    row = only_row("<termekkod>A</termekkod><!-- megjegyzés --><nev>Kerti<!-- x --> szék<?pi x?></nev>")
    assert row.values == {"nev": "Kerti szék"}


@given(st.binary(max_size=300))
def test_arbitrary_bytes_give_an_upload_or_a_document_error(body):
    try:
        upload = parse_product_upload(body)
    except DocumentError as exc:
        assert str(exc)
    else:
        assert isinstance(upload.rows, list)


# --- rows ------------------------------------------------------------------------------------

def test_negative_price_rejects_the_row_not_the_document():
    upload = parse_product_upload(
        document(
            "<termekkod>KS-1</termekkod><ar>100</ar>",
            "<termekkod>KS-17</termekkod><ar>-1</ar><nev>Szék</nev>",
            "<termekkod>KS-3</termekkod><ar>300</ar>",
        )
    )
    assert [row.errors for row in upload.rows] == [(), ("ar: negatív ár",), ()]
    assert upload.rows[1].sku == "KS-17"
    assert upload.rows[2].values == {"ar": Decimal("300")}


def test_negative_sale_price_rejects_the_row():
    assert only_row("<termekkod>A</termekkod><arakcios>-10</arakcios>").errors == ("arakcios: negatív ár",)


def test_unparseable_number_names_the_field_and_the_value():
    row = only_row("<termekkod>A</termekkod><ar>abc</ar><szabadraktar>1e5</szabadraktar>")
    assert row.errors == ('ar: érvénytelen szám: "abc"', 'szabadraktar: érvénytelen szám: "1e5"')
    assert row.values == {}


def test_negative_fractional_stock_is_taken_as_sent():
    assert only_row("<termekkod>A</termekkod><szabadraktar>-2,5</szabadraktar>").values == {
        "szabadraktar": Decimal("-2.5")
    }


def test_empty_arakcios_counts_as_absent():
    row = only_row("<termekkod>A</termekkod><arakcios></arakcios><ar/><szabadraktar>  </szabadraktar>")
    assert row.values == {}
    assert row.errors == ()


def test_zero_arakcios_is_kept_to_end_the_sale():
    assert only_row("<termekkod>A</termekkod><arakcios>0</arakcios>").values == {"arakcios": Decimal("0")}


def test_empty_text_field_means_clear():
    row = only_row("<termekkod>A</termekkod><nev></nev><mee/><kat>  </kat><tmegjegyzes>\n</tmegjegyzes>")
    assert row.values == {"nev": "", "mee": "", "kat": "", "tmegjegyzes": ""}


def test_empty_vat_and_image_count_as_absent():
    assert only_row("<termekkod>A</termekkod><afakulcs/><kep> </kep>").values == {}


def test_absent_fields_are_not_in_values():
    row = only_row("<termekkod>A</termekkod><szabadraktar>3</szabadraktar>")
    assert row.values == {"szabadraktar": Decimal("3")}


def test_text_values_are_stripped_but_inner_whitespace_is_kept():
    row = only_row("<termekkod>  KS-1 \n</termekkod><nev>\n  Kerti  szék\n</nev>")
    assert (row.sku, row.values["nev"]) == ("KS-1", "Kerti  szék")


def test_cdata_and_escaped_markup_are_text():
    row = only_row(
        "<termekkod>A</termekkod><tmegjegyzes><![CDATA[<p>Hosszú & szép</p>]]> &lt;b&gt;</tmegjegyzes>"
    )
    assert row.values["tmegjegyzes"] == "<p>Hosszú & szép</p> <b>"


def test_markup_inside_a_field_is_read_as_its_text():
    row = only_row("<termekkod>A</termekkod><tmegjegyzes>Erős <b>acél</b> váz</tmegjegyzes>")
    assert row.values["tmegjegyzes"] == "Erős acél váz"


def test_missing_termekkod_rejects_the_row():
    for fields in ("<ar>1</ar>", "<termekkod>  </termekkod><ar>1</ar>"):
        row = only_row(fields)
        assert row.sku is None
        assert row.errors == ("termekkod: hiányzik",)


def test_element_names_match_case_insensitively():
    body = (
        b"<TERMEKEK><Termek><TermekKod>KS-1</TermekKod><AR>5</AR><ArAkcios>4</ArAkcios>"
        b"<SzabadRaktar>1</SzabadRaktar><NEV>x</NEV><Mee>db</Mee><AfaKulcs>27%</AfaKulcs>"
        b"<KEP>a.jpg</KEP><Kat>2</Kat><TMegjegyzes>y</TMegjegyzes></Termek></TERMEKEK>"
    )
    (row,) = parse_product_upload(body).rows
    assert row.sku == "KS-1"
    assert set(row.values) == set(PROCESSED_FIELDS)
    assert row.errors == ()


def test_unknown_elements_are_ignored():
    row = only_row("<termekkod>A</termekkod><vonalkod>599</vonalkod><ar>1</ar><extra><ar>2</ar></extra>")
    assert row.values == {"ar": Decimal("1")}
    assert row.errors == ()


def test_rows_are_numbered_among_termek_elements_only():
    body = (
        b"<termekek><fejlec>x</fejlec><termek><termekkod>A</termekkod></termek>"
        b"<megjegyzes/><termek><termekkod>B</termekkod></termek></termekek>"
    )
    assert [(row.index, row.sku) for row in parse_product_upload(body).rows] == [(1, "A"), (2, "B")]


def test_document_without_rows_is_an_empty_upload():
    assert parse_product_upload(b"<termekek/>").rows == []


def test_duplicate_sku_keeps_both_rows():
    upload = parse_product_upload(
        document("<termekkod>A</termekkod><ar>1</ar>", "<termekkod>A</termekkod><ar>2</ar>")
    )
    assert [(row.index, row.sku, row.values["ar"]) for row in upload.rows] == [
        (1, "A", Decimal("1")),
        (2, "A", Decimal("2")),
    ]


def test_repeated_field_in_one_row_rejects_the_row():
    row = only_row("<termekkod>A</termekkod><ar>1</ar><ar>2</ar>")
    assert row.errors == ("ar: többször szerepel",)
    assert row.values == {"ar": Decimal("1")}


def test_vat_rate_and_code_are_normalised():
    assert only_row("<termekkod>A</termekkod><afakulcs>27,00 %</afakulcs>").values == {"afakulcs": "27"}
    assert only_row("<termekkod>A</termekkod><afakulcs>aam</afakulcs>").values == {"afakulcs": "AAM"}


def test_unknown_vat_rejects_the_row():
    row = only_row("<termekkod>A</termekkod><afakulcs>XYZ</afakulcs>")
    assert row.errors == ('afakulcs: ismeretlen ÁFA-kulcs: "XYZ"',)


def test_text_field_longer_than_limit_rejects_the_row():
    row = only_row("<termekkod>A</termekkod><nev>" + "x" * 11 + "</nev><mee>" + "y" * 10 + "</mee>",
                   max_field_chars=10)
    assert row.errors == ("nev: túl hosszú",)
    assert row.values == {"mee": "y" * 10}


def test_too_long_termekkod_is_reported_once():
    row = only_row("<termekkod>" + "K" * 11 + "</termekkod>", max_field_chars=10)
    assert (row.sku, row.errors) == (None, ("termekkod: túl hosszú",))


def test_base64_image_may_exceed_the_text_limit():
    row = only_row(f"<termekkod>A</termekkod><kep>{base64.b64encode(PNG).decode()}</kep>", max_field_chars=20)
    assert row.errors == ()
    assert row.values["kep"].kind == "data"


def test_row_limit():
    rows = ["<termekkod>A</termekkod>"] * 3
    assert len(parse_product_upload(document(*rows), max_rows=3).rows) == 3
    with pytest.raises(DocumentError) as caught:
        parse_product_upload(document(*rows), max_rows=2)
    assert str(caught.value) == "túl sok sor: több mint 2 (legfeljebb 2)"  # refused as soon as the limit is passed


@given(
    field=st.sampled_from(PROCESSED_FIELDS),
    text=st.text(st.characters(blacklist_categories=("Cs", "Cc", "Cn")) | st.sampled_from("\t\n")),
)
def test_any_field_text_gives_a_value_or_a_row_error(field, text):
    row = only_row(f"<termekkod>A</termekkod><{field}>{escape(text)}</{field}>")
    assert row.sku == "A"
    if row.errors:
        assert len(row.errors) == 1 and row.errors[0].startswith(f"{field}: ")
        assert field not in row.values


# --- images ----------------------------------------------------------------------------------

def test_https_image_is_kept_as_url():
    for url in ("https://example.hu/img/KS-1.jpg", "HTTP://example.hu/a.png"):
        assert only_row(f"<termekkod>A</termekkod><kep> {url} </kep>").values["kep"] == ImageRef("url", url)


def test_base64_png_image_is_kept_by_sha256():
    row = only_row(f"<termekkod>A</termekkod><kep>{base64.b64encode(PNG).decode()}</kep>")
    image = row.values["kep"]
    assert (image.kind, image.media_type) == ("data", "image/png")
    assert image.value == hashlib.sha256(PNG).hexdigest()
    assert image.data == PNG


def test_data_url_jpeg_image_is_kept_by_sha256():
    data_url = "data:image/jpeg;base64," + base64.b64encode(JPEG).decode()
    row = only_row(f"<termekkod>A</termekkod><kep>{data_url}</kep>")
    assert row.values["kep"] == ImageRef("data", hashlib.sha256(JPEG).hexdigest(), "image/jpeg")


def test_image_type_is_decided_by_the_bytes_not_the_data_url():
    data_url = "data:image/jpeg;base64," + base64.b64encode(PNG).decode()
    row = only_row(f"<termekkod>A</termekkod><kep>{data_url}</kep>")
    assert row.values["kep"].media_type == "image/png"


def test_wrapped_base64_lines_are_accepted():
    wrapped = base64.encodebytes(PNG * 4).decode()  # 76-column lines, as mail and many exporters write
    assert "\n" in wrapped.strip()
    row = only_row(f"<termekkod>A</termekkod><kep>{wrapped}</kep>")
    assert row.values["kep"].value == hashlib.sha256(PNG * 4).hexdigest()


def test_image_bytes_stay_out_of_repr():
    image = only_row(f"<termekkod>A</termekkod><kep>{base64.b64encode(PNG).decode()}</kep>").values["kep"]
    assert "data=" not in repr(image)


def test_base64_that_is_not_an_image_rejects_the_row():
    row = only_row(f"<termekkod>A</termekkod><kep>{base64.b64encode(GIF).decode()}</kep>")
    assert row.errors == ("kep: nem JPEG vagy PNG",)
    assert "kep" not in row.values


@pytest.mark.parametrize(
    "kep", ["iVBORw0KGgoAAAANSUhEUg=", "data:image/png;base64,iVBOR*w0KGgo", "data:image/png,rawbytes"]
)
def test_undecodable_base64_rejects_the_row(kep):
    assert only_row(f"<termekkod>A</termekkod><kep>{kep}</kep>").errors == ("kep: érvénytelen base64",)


def test_bare_file_name_is_kept_as_name():
    for name in ("KS-1001.jpg", "kepek/KS 1001.png", "KS1001"):
        row = only_row(f"<termekkod>A</termekkod><kep> {name} </kep>")
        assert row.values["kep"] == ImageRef("name", name)


@pytest.mark.parametrize("name", [
    "IMG20240101123456", "termekkepnagy001", "kerti szek piros nagy",
    hashlib.sha256(PNG).hexdigest(),  # what U4 sends back for a stored image
])
def test_bare_name_from_the_base64_alphabet_is_kept_as_name(name):
    row = only_row(f"<termekkod>A</termekkod><kep>{name}</kep>")
    assert (row.errors, row.values["kep"]) == ((), ImageRef("name", name))


def test_base64_alphabet_text_is_a_name_up_to_file_name_length_and_data_beyond():
    name = "a" * 255
    assert only_row(f"<termekkod>A</termekkod><kep>{name}</kep>").values["kep"] == ImageRef("name", name)
    row = only_row(f"<termekkod>A</termekkod><kep>{'a' * 256}</kep>")
    assert row.errors == ("kep: nem JPEG vagy PNG",)


# --- the sync mode's elements --------------------------------------------------------------------

STOCK_PRICE = frozenset({"ar", "arakcios", "szabadraktar"})


@pytest.mark.parametrize("outside", [
    "<afakulcs>ÁFA mentes</afakulcs>",
    "<kep>data:image/png;base64,nem-base64</kep>",
    "<nev>Egy</nev><nev>Kettő</nev>",
    "<tmegjegyzes>" + "x" * 101 + "</tmegjegyzes>",
])
def test_fields_outside_stock_and_price_mode_are_neither_read_nor_fail_the_row(outside):
    body = document(f"<termekkod>A</termekkod><ar>100</ar><szabadraktar>3</szabadraktar>{outside}")
    (row,) = parse_product_upload(body, max_field_chars=100, processed=STOCK_PRICE).rows
    assert (row.sku, row.errors) == ("A", ())
    assert row.values == {"ar": Decimal("100"), "szabadraktar": Decimal("3")}


def test_termekkod_is_read_under_any_mode():
    (row,) = parse_product_upload(document("<termekkod>A</termekkod><termekkod>B</termekkod><ar>1</ar>"),
                                  processed=STOCK_PRICE).rows
    assert row.errors == ("termekkod: többször szerepel",)
