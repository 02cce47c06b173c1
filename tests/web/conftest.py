from __future__ import annotations

import pytest

from tests.web.helpers import Browser


@pytest.fixture
async def browser(client):
    """browser() opens a new cookie jar (one person); all are closed after the test."""
    opened: list[Browser] = []

    def open_one(address: str | None = None) -> Browser:
        opened.append(Browser(client, address))
        return opened[-1]
    yield open_one
    for one in opened:
        await one.close()
