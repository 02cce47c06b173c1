"""Parse an untrusted XML body: no DTDs, no entities, no network, bounded nesting."""

import functools
import io
import itertools
import re
import string

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


def iter_rows_safely(body: bytes, *, expected_roots: tuple[str, ...], row: str, max_rows: int):
    """The root's `row` children one by one, let go of a few hundred at a time once the caller has read
    them, so a large upload never sits in memory as a whole tree. The same refusals as parse_xml_safely, made as early as the
    document allows: a DOCTYPE or a wrong root before any row is read.

    Only the rows' own end events reach Python (lxml matches the tag, in any case and namespace), not
    one start and one end per element: for a catalogue that is most of the reading time."""
    if not body or body.isspace():
        raise DocumentError("üres dokumentum")
    context = etree.iterparse(io.BytesIO(body), events=("end",), tag=_row_tags(body, row), **_UNTRUSTING)
    root, rows = None, 0
    try:
        for _event, element in context:
            if root is None:
                root = element.getroottree().getroot()
                _check_root(root, expected_roots)
            if element.getparent() is not root:
                continue  # an element named like a row, deeper down, is part of something else
            rows += 1
            if rows > max_rows:
                raise DocumentError(f"túl sok sor: több mint {max_rows} (legfeljebb {max_rows})")
            yield element
            if rows % _ROWS_HELD == 0:
                _let_go(root, before=element)
    except etree.XMLSyntaxError as exc:
        raise DocumentError("nem jól formált XML: " + " ".join(exc.msg.split())) from None
    if root is None:
        root = context.root
        _check_root(root, expected_roots)
    _let_go(root, before=None)


_ROWS_HELD = 500  # rows read and not yet let go of: checked for depth and dropped together, in C


def _let_go(root, before) -> None:
    """What precedes `before` under the root (everything if None), once it has been yielded. Not what
    follows: the parser runs ahead of the events, and rows after `before` may be in the tree already.
    Checking depth here rather than per row lets an over-deep row reach the caller first; the caller
    reads on to the end, so the refusal still comes before anything is decided."""
    _refuse_deep_nesting(root)
    del root[:len(root) if before is None else root.index(before)]


def _row_tags(body: bytes, row: str) -> str | tuple[str, ...]:
    """The row's element in lower case, in any namespace, unless the bytes may spell it otherwise:
    lxml matches one name per element faster than it matches 64 (a 6-letter name's spellings), by
    a quarter of the whole parse; counting the name's spellings in the bytes costs a twentieth."""
    word = row.encode("ascii")
    if (0 in body[:4] or body[:2] in (b"\xff\xfe", b"\xfe\xff")
            or not _ascii_compatible(encoding_of(body))
            or body.lower().count(word) != body.count(word)):
        return _any_spelling(row)
    return "{*}" + row


_ASCII_NAME_BYTES = string.ascii_letters.encode() + b"<>/:"


@functools.cache
def _ascii_compatible(encoding: str) -> bool:
    try:
        return _ASCII_NAME_BYTES.decode("ascii").encode(encoding) == _ASCII_NAME_BYTES
    except (LookupError, UnicodeError):
        return False


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
