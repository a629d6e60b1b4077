"""Structured logs on the standard library: one line per event, with the fields passed as `extra={…}`.

    log.warning("worker.job_failed", extra={"job_id": job_id, "kind": kind})
    →  2026-01-05T10:00:00.123Z WARNING kohort.worker worker.job_failed job_id=job_1f… kind=email.send

Fields bound with `bound(job_id=…, kind=…)` appear on every line logged inside the block, whoever logs
it (the runner binds each job's id and kind around its handler).

`KOHORT_LOG_FORMAT=json` prints one JSON object per line instead (for a log collector); `KOHORT_LOG_LEVEL`
sets the level. Whatever the format, a line never carries an API key, a withdrawal token, an IBAN or a full
email address: the formatters mask them in the message, the fields and the traceback alike.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, TextIO

FORMATS = ("keyvalue", "json")

# Every attribute a LogRecord has by itself; anything else on a record came from `extra={…}`.
# (uvicorn adds `color_message`, the same message with terminal colours: not a field.)
_RECORD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message", "asctime", "color_message",
}

# Field names whose whole value is a secret or personal data, whatever it looks like.
_SECRET_FIELDS = re.compile(r"(token|secret|password|api_key|authorization|iban|email)", re.IGNORECASE)

_API_KEY = re.compile(r"\b((?:sk|pk)_(?:test|live)_)[A-Za-z0-9]+")
_BEARER = re.compile(r"(\bBearer\s+)\S+", re.IGNORECASE)
# A withdrawal token travels as `?token=…` in links (and `token=` in forms); it is 64 hex digits.
_TOKEN_PARAMETER = re.compile(r"(\btoken[\"']?\s*[=:]\s*[\"']?)[^\s&\"',;]+", re.IGNORECASE)
_LONG_HEX = re.compile(r"\b[0-9a-f]{40,}\b")
_EMAIL = re.compile(r"\b([A-Za-z0-9])[A-Za-z0-9._%+-]*@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})\b")
# Two letters, two check digits, then 11 to 30 letters or digits, possibly grouped by four (FR76 3000 6000 …).
_IBAN = re.compile(r"\b([A-Z]{2}\d{2})(?:[ ]?[A-Z0-9]){11,30}\b")


_bound: ContextVar[Mapping[str, Any] | None] = ContextVar("kohort_log_fields", default=None)


@contextmanager
def bound(**fields: Any) -> Iterator[None]:
    """Add `fields` to every line logged inside the block (in this task and the threads it starts)."""
    token = _bound.set({**(_bound.get() or {}), **fields})
    try:
        yield
    finally:
        _bound.reset(token)


def redact(text: str) -> str:
    """`text` with API keys, bearer credentials, tokens, IBANs and email addresses masked."""
    text = _API_KEY.sub(r"\1***", text)
    text = _BEARER.sub(r"\1***", text)
    text = _TOKEN_PARAMETER.sub(r"\1***", text)
    text = _LONG_HEX.sub("***", text)
    text = _EMAIL.sub(r"\1***@\2", text)
    return _IBAN.sub(r"\1***", text)


def _safe_value(name: str, value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    if _SECRET_FIELDS.search(name):
        return "***"
    if isinstance(value, Mapping):
        return {str(key): _safe_value(str(key), item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_safe_value(name, item) for item in value]
    return redact(str(value))


def fields_of(record: logging.LogRecord) -> dict[str, Any]:
    """The bound fields and the `extra={…}` fields of `record` (these win), masked."""
    extra = {
        name: value for name, value in vars(record).items() if name not in _RECORD_ATTRIBUTES and not name.startswith("_")
    }
    return {name: _safe_value(name, value) for name, value in {**(_bound.get() or {}), **extra}.items()}


def _timestamp(record: logging.LogRecord) -> str:
    moment = datetime.fromtimestamp(record.created, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _quoted(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    text = value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)
    if text and not any(character.isspace() or character in "\"=" for character in text):
        return text
    return json.dumps(text, ensure_ascii=False)


class KeyValueFormatter(logging.Formatter):
    """`time level logger event key=value …`, then the traceback (if any) on the following lines."""

    def format(self, record: logging.LogRecord) -> str:
        parts = [_timestamp(record), record.levelname, record.name, redact(record.getMessage())]
        parts += [f"{name}={_quoted(value)}" for name, value in fields_of(record).items()]
        line = " ".join(parts)
        if record.exc_info:
            line += "\n" + redact(self.formatException(record.exc_info))
        elif record.stack_info:
            line += "\n" + redact(self.formatStack(record.stack_info))
        return line


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, event, the fields, and `exception` if any."""

    def format(self, record: logging.LogRecord) -> str:
        document: dict[str, Any] = {
            "time": _timestamp(record), "level": record.levelname, "logger": record.name,
            "event": redact(record.getMessage()),
        }
        for name, value in fields_of(record).items():
            document.setdefault(name, value)  # a field never hides the line's own keys
        if record.exc_info:
            document["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(document, default=str, ensure_ascii=False)


def formatter_for(log_format: str) -> logging.Formatter:
    if log_format == "json":
        return JsonFormatter()
    if log_format == "keyvalue":
        return KeyValueFormatter()
    raise ValueError(f"KOHORT_LOG_FORMAT must be one of {', '.join(FORMATS)}")


class _KohortHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The handler `configure_logging` installs; found again (and replaced) when it is called twice."""


def configure_logging(*, level: str = "info", log_format: str = "keyvalue", stream: TextIO | None = None) -> None:
    """Send every logger's records (uvicorn's included, through the root) to `stream` (stderr) in
    `log_format`, at `level` and above. Called by each entry point; calling it again replaces the handler."""
    formatter = formatter_for(log_format)  # refuses an unknown format before touching anything
    root = logging.getLogger()
    for installed in [handler for handler in root.handlers if isinstance(handler, _KohortHandler)]:
        root.removeHandler(installed)
    handler = _KohortHandler(stream or sys.stderr)
    handler.setFormatter(formatter)
    root.addHandler(handler)
    root.setLevel(level.upper())
