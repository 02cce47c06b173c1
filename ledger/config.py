"""Settings from the command line and the environment."""
from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class Settings:
    database_url: str | None = None
    data_dir: Path = Path(".kulcs-ledger")
    host: str = "127.0.0.1"
    port: int = 8080
    admin_token: str | None = None
    max_body_bytes: int = 64 * 1024 * 1024
    max_rows: int = 200_000
    # Threads that decide and save commands. Saves queue behind the group being written and go in
    # the next one, so a group is at most this many syncs. On uvloop, 8 gave small pushes the same
    # throughput as 16 on 2 cores and a lower p99 at 400/s in 5 of 6 pairs (README, "Performance").
    write_threads: int = 8
    public_base_url: str | None = None
    # reverse proxies whose X-Forwarded-For is believed (ledger/http/client_address.py); none by default
    trusted_proxies: tuple[Network, ...] = ()

    @classmethod
    def from_env(cls, **overrides) -> "Settings":
        env = os.environ
        values = dict(
            database_url=env.get("DATABASE_URL") or None,
            data_dir=Path(env.get("KULCS_LEDGER_DATA_DIR", ".kulcs-ledger")),
            admin_token=env.get("KULCS_LEDGER_ADMIN_TOKEN") or None,
            max_body_bytes=_positive_int(env, "KULCS_LEDGER_MAX_BODY_BYTES", 64 * 1024 * 1024),
            max_rows=_positive_int(env, "KULCS_LEDGER_MAX_ROWS", 200_000),
            public_base_url=env.get("KULCS_LEDGER_PUBLIC_URL") or None,
            write_threads=_positive_int(env, "KULCS_LEDGER_WRITE_THREADS", 8),
            trusted_proxies=trusted_networks(env.get("KULCS_LEDGER_TRUSTED_PROXIES"),
                                             "KULCS_LEDGER_TRUSTED_PROXIES"),
        )
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


def _positive_int(env, name: str, default: int) -> int:
    """ValueError naming the variable: the command line prints it as one line."""
    text = env.get(name)
    if not text:  # unset, or set to nothing: as the other settings read it
        return default
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise ValueError(f"{name} must be a positive whole number, not {text!r}")
    return value


def trusted_networks(text: str | None, name: str) -> tuple[Network, ...]:
    """Comma-separated addresses or CIDR networks ("10.0.0.1, 192.168.0.0/16"); unset or empty: none.
    A ValueError naming the variable otherwise."""
    networks = []
    for item in (text or "").split(","):
        if item := item.strip():
            try:
                networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                raise ValueError(f"{name} must be comma-separated IP addresses or networks"
                                 f" (e.g. 10.0.0.1, 192.168.0.0/16), not {text!r}") from None
    return tuple(networks)
