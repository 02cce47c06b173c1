"""Parse an untrusted XML body: no DTDs, no entities, no network, bounded nesting."""

from lxml import etree

MAX_DEPTH = 64


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
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise DocumentError("DOCTYPE/DTD nem megengedett")
    if local_name(root) not in expected_roots:
        expected = ", ".join(f"<{name}>" for name in expected_roots)
        raise DocumentError(f"váratlan gyökérelem: <{local_name(root)}> (várt: {expected})")
    _refuse_deep_nesting(root)
    return root


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
        raise DocumentError(f"túl mély egymásba ágyazás (legfeljebb {MAX_DEPTH} szint)")
