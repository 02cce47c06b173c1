"""Fixtures of the integration tests that read through the service's asyncpg pool."""
from __future__ import annotations

import pytest

from ledger.http.app import open_pool


@pytest.fixture
async def pool(db_url):
    pool = await open_pool(db_url, min_size=1, max_size=4)
    yield pool
    await pool.close()
