"""Our recorder subclass must pass the eventsourcing library's own application-recorder contract."""
from __future__ import annotations

import pytest
from eventsourcing.postgres import PostgresDatastore
from eventsourcing.tests.persistence import ApplicationRecorderTestCase

from ledger.storage.database import eventsourcing_env
from ledger.storage.recorder import LedgerRecorder
from migrations.runner import MIGRATIONS_DIR

CHAIN_MIGRATION = MIGRATIONS_DIR / "0007_event_chain.sql"


@pytest.fixture(autouse=True, scope="class")
def _fresh_server(request, pg_server):
    request.cls.pg_server = pg_server


class TestLedgerRecorderContract(ApplicationRecorderTestCase[LedgerRecorder]):
    pg_server = None

    def setUp(self) -> None:
        self.url = self.pg_server.new_database(migrated=False)
        env = eventsourcing_env(self.url)
        self.datastore = PostgresDatastore(
            dbname=env["POSTGRES_DBNAME"], host=env["POSTGRES_HOST"], port=env["POSTGRES_PORT"],
            user=env["POSTGRES_USER"], password=env["POSTGRES_PASSWORD"], pool_size=4, max_overflow=8)

    def tearDown(self) -> None:
        self.datastore.close()
        self.pg_server.drop(self.url)

    def create_recorder(self) -> LedgerRecorder:
        recorder = LedgerRecorder(self.datastore, events_table_name="stored_events")
        recorder.create_table()
        chain_ddl = CHAIN_MIGRATION.read_text().replace("ledger_events_chain", "stored_events_chain")
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(chain_ddl)
        return recorder

    def test_insert_subscribe(self) -> None:
        self.optional_test_insert_subscribe()

    def test_performance(self) -> None:
        pytest.skip("a timing benchmark, not a contract; bench/ measures speed")
