"""Reading a JSON object from a request, with a clear 400 for anything else."""
from __future__ import annotations

import json

from aiohttp import web

from ledger.http.api_auth import json_error

MAX_JSON_BYTES = 1 << 20
MAX_JSON_DEPTH = 32  # far beyond any order or setting; Python's json recursion ends near 1,000


async def _body_up_to(request: web.Request, limit: int) -> bytes:
    """The whole body, or the first `limit + 1` bytes of a longer one. `StreamReader.read(n)` answers
    what has arrived so far (at most n bytes), not the whole body: a body sent in several TCP pieces
    needs one read per piece, until the end of the body (b"") or past the limit."""
    parts: list[bytes] = []
    size = 0
    while size <= limit:
        part = await request.content.read(limit + 1 - size)
        if not part:
            break
        parts.append(part)
        size += len(part)
    return b"".join(parts)


async def json_object(request: web.Request) -> dict:
    if request.content_length and request.content_length > MAX_JSON_BYTES:
        raise json_error(413, "request body too large")
    raw = await _body_up_to(request, MAX_JSON_BYTES)
    if len(raw) > MAX_JSON_BYTES:
        raise json_error(413, "request body too large")
    try:
        value = json.loads(raw or b"null")
    except (ValueError, UnicodeDecodeError) as error:
        raise json_error(400, "the body is not JSON", str(error)) from None
    except RecursionError:
        raise _too_deep() from None
    if not isinstance(value, dict):
        raise json_error(400, "the body must be a JSON object")
    if _depth_over(value, MAX_JSON_DEPTH):
        raise _too_deep()
    try:  # JSON may spell a lone surrogate ("\ud800"), which is no text and nothing can store
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise json_error(400, "the body holds a lone surrogate (such as \\ud800), which is not text") from None
    return value


def _too_deep() -> web.HTTPException:
    return json_error(400, f"the body nests arrays and objects deeper than {MAX_JSON_DEPTH} levels")


def _depth_over(value, limit: int) -> bool:
    """Whether arrays and objects nest deeper than `limit`; a loop, as recursion is what fails on
    deep values (encoding them for storage raised RecursionError: a 500)."""
    level = [value]
    for _ in range(limit):
        level = [child for node in level if isinstance(node, (dict, list))
                 for child in (node.values() if isinstance(node, dict) else node)]
        if not level:
            return False
    return any(isinstance(node, (dict, list)) for node in level)
