"""Parse an untrusted XML body: no DTDs, no entities, no network, bounded nesting."""

import functools
import io
import itertools
import re

from lxml import etree

MAX_DEPTH = 64
TOO_DEEP_MESSAGE = f"túl mély egymásba ágyazás az XML-ben (legfeljebb {MAX_DEPTH} szint)"
_UNTRUSTING = dict(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                   remove_comments=True, remove_pis=True, remove_blank_text=True)
_DECLARED_ENCODING = re.compile(rb"""^(?:\xef\xbb\xbf)?\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


class DocumentError(Exception):
    """The body is not an acceptable document; str() is a short message, Hungarian first."""


def parse_xml_safely(body: bytes, *, expected_roots: tuple[str, ...]) -> etree._Element:
    """The root element, if the body is a harmless document whose root is one of expected_roots."""
    if not body or body.isspace():
        raise DocumentError("üres dokumentum")
    try:
        root = etree.fromstring(body, _untrusting_parser())
    except etree.XMLSyntaxError as exc:
        raise DocumentError("nem jól formált XML: " + " ".join(exc.msg.split())) from None
    _check_root(root, expected_roots)
    _refuse_deep_nesting(root)
    return root


class RowSpelledOtherwise(Exception):
    """The root holds a row whose name is not in lower case: read the document again, any_spelling=True."""


def iter_rows_safely(body: bytes, *, expected_roots: tuple[str, ...], row: str, max_rows: int,
                     any_spelling: bool = False):
    """The root's `row` children one by one, let go of a few hundred at a time once the caller has read
    them, so a large upload never sits in memory as a whole tree. The same refusals as parse_xml_safely,
    made as early as the document allows: a DOCTYPE or a wrong root before any row is read.

    Only the rows' own end events reach Python (lxml matches the tag, in any namespace), not one
    start and one end per element: for a catalogue that is most of the reading time. lxml is asked
    for the lower-case name, a quarter of the parse faster than for its 64 spellings; when rows are
    let go of, any other child of the root is looked at, and a row spelled otherwise raises
    RowSpelledOtherwise (the caller reads again with any_spelling=True)."""
    if not body or body.isspace():
        raise DocumentError("üres dokumentum")
    tag = _any_spelling(row) if any_spelling else "{*}" + row
    context = etree.iterparse(io.BytesIO(body), events=("end",), tag=tag, **_UNTRUSTING)
    lower_case_row = None if any_spelling else row
    root, rows, held = None, 0, 0
    try:
        for _event, element in context:
            if root is None:
                root = element.getroottree().getroot()
                _check_root(root, expected_roots)
            if element.getparent() is not root:
                continue  # an element named like a row, deeper down, is part of something else
            rows, held = rows + 1, held + 1
            if rows > max_rows:
                raise DocumentError(f"túl sok sor: több mint {max_rows} (legfeljebb {max_rows})")
            yield element
            if held == _ROWS_HELD:
                _let_go(root, element, held - 1, lower_case_row)
                held = 1
    except etree.XMLSyntaxError as exc:
        raise DocumentError("nem jól formált XML: " + " ".join(exc.msg.split())) from None
    if root is None:
        root = context.root
        _check_root(root, expected_roots)
    _let_go(root, None, held, lower_case_row)


_ROWS_HELD = 500  # rows read and not yet let go of: checked for depth and dropped together, in C


def _let_go(root, before, rows_before: int, lower_case_row: str | None) -> None:
    """What precedes `before` under the root (everything if None), once it has been yielded. Not what
    follows: the parser runs ahead of the events, and rows after `before` may be in the tree already.
    Checking depth here rather than per row lets an over-deep row reach the caller first; the caller
    reads on to the end, so the refusal still comes before anything is decided."""
    _refuse_deep_nesting(root)
    end = len(root) if before is None else root.index(before)
    if lower_case_row is not None and end != rows_before and any(
            local_name(child) == lower_case_row and child.tag.rpartition("}")[2] != lower_case_row
            for child in root[:end]):
        raise RowSpelledOtherwise
    del root[:end]


@functools.cache
def _any_spelling(name: str) -> tuple[str, ...]:
    return tuple("{*}" + "".join(letters) for letters in itertools.product(*((c, c.upper()) for c in name)))


def encoding_of(body: bytes) -> str:
    declared = _DECLARED_ENCODING.match(body)
    return declared.group(1).decode("ascii").lower() if declared else "utf-8"


def _check_root(root, expected_roots) -> None:
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise DocumentError("DOCTYPE/DTD nem megengedett")
    if local_name(root) not in expected_roots:
        expected = ", ".join(f"<{name}>" for name in expected_roots)
        raise DocumentError(f"váratlan gyökérelem: <{local_name(root)}> (várt: {expected})")


def local_name(el) -> str:
    tag = el.tag
    if not isinstance(tag, str):  # comment, processing instruction or entity node
        return ""
    return tag.rpartition("}")[2].lower()


def _untrusting_parser() -> etree.XMLParser:
    # remove_blank_text drops whitespace-only text beside child elements (a leaf's text is kept):
    # it halves the tree's memory for a large upload.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        remove_blank_text=True,
    )


_TOO_DEEP = etree.XPath("boolean(/" + "/*" * (MAX_DEPTH + 1) + ")")


def _refuse_deep_nesting(root: etree._Element) -> None:
    # One XPath evaluated in C: is there an element below MAX_DEPTH levels?
    if _TOO_DEEP(root):
        raise DocumentError(TOO_DEEP_MESSAGE)
