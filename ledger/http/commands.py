"""Running the synchronous write side off the event loop, with the request's log context."""
from __future__ import annotations

import asyncio
import contextvars
import functools

from aiohttp import web

from ledger.http.keys import EXECUTOR


async def run_command(request: web.Request, fn, *args, **kwargs):
    context = contextvars.copy_context()
    call = functools.partial(context.run, fn, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(request.app[EXECUTOR], call)
