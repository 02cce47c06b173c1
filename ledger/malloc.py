"""Giving freed heap memory back to the system (glibc's malloc_trim; a no-op where there is none)."""
from __future__ import annotations

import ctypes
import ctypes.util


def _malloc_trim():
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):  # no C library found, or not glibc's
        return None


_TRIM = _malloc_trim()


def release_freed_memory() -> None:
    if _TRIM is not None:
        _TRIM(0)
