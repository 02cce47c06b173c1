"""Text as XML 1.0 can carry it: what it cannot (most control characters, U+FFFE, U+FFFF, a lone
surrogate) becomes U+FFFD, rather than failing an answer or a download midway."""
from __future__ import annotations

import re

_NOT_XML_CHAR = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def writable(text: str) -> str:
    return _NOT_XML_CHAR.sub("\ufffd", text)
