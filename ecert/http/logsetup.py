"""Log lines: uvicorn's text (`ECERT_LOG_FORMAT=text`, the default) or one JSON object a line
(`json`), each with the request id of the request it belongs to.

In JSON mode the access line comes from `ecert.http.metrics.Instrument` (route template, path
without its query string, status, duration) and uvicorn's own access log is off. Whatever the
format, a line never carries an API token, an ID number or key material: `redact` masks them
in every message, whichever library wrote it.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import logging.config
import re
from typing import Any

REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("ecert_request_id",
                                                                       default=None)
EXTRA_FIELDS = ("method", "route", "path", "status", "duration_ms", "client")

_SECRETS = (
    (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(-----END [A-Z ]*PRIVATE KEY-----|\Z)",
                re.S), "[private key]"),
    (re.compile(r"\bect_[0-9a-f]{8}_[A-Za-z0-9_\-]+"), "ect_[redacted]"),  # ecert.tokens
    (re.compile(r"(?i)\b(bearer)\s+\S+"), r"\1 [redacted]"),
    (re.compile(r"(?<![0-9A-Za-z])[1-9]\d{16}[\dXx](?![0-9A-Za-z])"), "[id-number]"),  # GB 11643
    (re.compile(r"\?[^\s\"]*"), "?[redacted]"),  # query strings (a holder lookup carries an ID)
)


def redact(text: str) -> str:
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, request id and access fields."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": redact(record.getMessage()),
            "request_id": getattr(record, "request_id", None) or REQUEST_ID.get(),
        }
        for key in EXTRA_FIELDS:
            value = getattr(record, key, None)
            if value is not None:
                out[key] = redact(value) if isinstance(value, str) else value
        if record.exc_info and record.exc_info[0] is not None:
            out["error"] = record.exc_info[0].__name__  # the type only: no traceback, no values
        return json.dumps(out, ensure_ascii=False)


class RedactText(logging.Filter):
    """Text mode: the same masking, on the formatted message."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def log_config(fmt: str) -> dict[str, Any] | None:
    """uvicorn's `log_config` for JSON logs; None keeps uvicorn's own (text)."""
    if fmt != "json":
        return None
    handler = {"class": "logging.StreamHandler", "formatter": "json",
               "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "ecert.http.logsetup.JsonFormatter"}},
        "handlers": {"default": handler},
        "root": {"handlers": ["default"], "level": "INFO"},
        "loggers": {
            "uvicorn": {"handlers": [], "level": "INFO", "propagate": True},
            "uvicorn.error": {"handlers": [], "level": "INFO", "propagate": True},
            # the access line is ecert.access's (ecert.http.metrics), with the request id
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
        },
    }


def install(fmt: str) -> None:
    """Apply the format to this process (idempotent): JSON handlers, or text masking."""
    config = log_config(fmt)
    if config is not None:
        if not any(isinstance(h.formatter, JsonFormatter) for h in logging.getLogger().handlers):
            logging.config.dictConfig(config)
        return
    logger = logging.getLogger("uvicorn.error")  # uvicorn.access: ecert.http.logredact
    if not any(isinstance(f, RedactText) for f in logger.filters):
        logger.addFilter(RedactText())
