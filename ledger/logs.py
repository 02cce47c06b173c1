"""structlog as JSON lines on stderr; request and sync ids travel in contextvars."""
from __future__ import annotations

import logging
import sys

import structlog

SECRET_KEYS = frozenset({"password", "jelszo", "key", "import_password", "token", "authorization"})


def drop_secrets(_logger, _method, event_dict):
    for key in list(event_dict):
        if key.lower() in SECRET_KEYS:
            event_dict[key] = "[redacted]"
    return event_dict


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
