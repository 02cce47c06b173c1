"""Child processes of a test's process or of a server it started, read from /proc."""
from __future__ import annotations

from bench.service import children_of


def children_running(parent: int, module: str) -> list[int]:
    """`parent`'s children started as `python -m module` (a zombie has no command line: not listed)."""
    found = []
    for pid in children_of(parent):
        try:
            if module.encode() in open(f"/proc/{pid}/cmdline", "rb").read():
                found.append(pid)
        except OSError:
            continue
    return found


def unreaped_children(parent: int) -> list[int]:
    return [pid for pid in children_of(parent) if is_zombie(pid)]


def is_zombie(pid: int) -> bool:
    """Also True once the process is gone."""
    try:
        return open(f"/proc/{pid}/stat").read().rpartition(")")[2].split()[0] == "Z"
    except OSError:
        return True
