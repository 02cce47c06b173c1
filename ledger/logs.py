"""structlog as JSON lines on stderr; request and sync ids travel in contextvars."""
from __future__ import annotations

import logging
import re
import sys

import structlog

SECRET_KEYS = frozenset({"password", "jelszo", "key", "import_password", "token", "authorization"})


def drop_secrets(_logger, _method, event_dict):
    for key, value in event_dict.items():
        if key.lower() in SECRET_KEYS:
            event_dict[key] = "[redacted]"
        elif isinstance(value, str) and "kl_" in value:
            event_dict[key] = _API_TOKEN.sub(r"kl_\1_[redacted]", value)
    return event_dict


# An API token pasted where it does not belong (a path, a query): its id stays, to tell which it was.
_API_TOKEN = re.compile(r"kl_([0-9a-f]{12})_[A-Za-z0-9_-]+")


def configure_logging(level: int = logging.INFO, stream=None, *, cache: bool = False) -> None:
    """`cache`: each module's logger is built once, on its first use (for a long-running server:
    building it again on every line cost a small push ~2%), and later configure calls miss it."""
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            drop_secrets,
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(ensure_ascii=False),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(stream or sys.stderr),
        cache_logger_on_first_use=cache,
    )


class _LibraryRecords(logging.StreamHandler):
    """The handler `send_library_logs_to_json` installs (found again, not added twice)."""


def send_library_logs_to_json(stream=None) -> None:
    """Records libraries log through the standard library (asyncpg's pool during an outage, asyncio's
    "exception was never retrieved", aiohttp's server) as the same JSON lines, not Python's plain-text
    last-resort output between them. Warnings and above, as before."""
    handler = _LibraryRecords(stream or sys.stderr)
    handler.setFormatter(structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[
            structlog.contextvars.merge_contextvars,
            structlog.stdlib.add_logger_name,
            structlog.stdlib.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
        ],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            drop_secrets,
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(ensure_ascii=False),
        ],
    ))
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _LibraryRecords)]:
        root.removeHandler(old)
    root.addHandler(handler)
