"""Giving a large body's freed chunks back to the system must not hold up the event loop: glibc's
malloc_trim walks every arena's free chunks (about 30 ms on a fragmented 500 MB heap, each time), and
every other request waits for the loop meanwhile."""
from __future__ import annotations

import threading

from aiohttp import web

from ledger.http import kulcs_body


async def test_a_large_body_is_read_whole_and_its_memory_given_back_off_the_event_loop(aiohttp_client,
                                                                                        monkeypatch):
    trimmed_on = []
    monkeypatch.setattr(kulcs_body, "release_freed_memory", lambda: trimmed_on.append(threading.get_ident()))
    loop_thread = []

    async def echo(request: web.Request) -> web.Response:
        loop_thread.append(threading.get_ident())
        return web.Response(body=await kulcs_body.read_body(request, 8 << 20))

    app = web.Application()
    app.router.add_post("/", echo)
    client = await aiohttp_client(app)
    body = bytes(range(256)) * (3 << 12)  # 3 MiB
    response = await client.post("/", data=body)
    assert await response.read() == body
    assert len(trimmed_on) == 1 and trimmed_on[0] != loop_thread[0]
