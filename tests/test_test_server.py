"""The tests' own PostgreSQL leaves nothing behind: each run used to leave its ~60 MB data folder."""
from __future__ import annotations

import os

import psycopg
import pytest

from tests.pg import TestServer


@pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")), reason="a given server is not ours to stop")
def test_an_embedded_test_server_is_stopped_and_its_folder_removed_when_closed():
    server = TestServer()
    url, folder = server.new_database(), server.folder
    assert folder.is_dir()
    server.close()
    assert not folder.exists()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(url, connect_timeout=3).close()
