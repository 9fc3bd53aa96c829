"""Logs: one JSON object per line in production (for Fly's log shipping), plain text in
development. Request fields come from `extra=`; nothing here ever logs a token or body."""

from __future__ import annotations

import json
import logging
import re
from contextvars import ContextVar
from datetime import UTC, datetime

import orjson

# Attributes every LogRecord has; anything else was passed through `extra=`. uvicorn
# adds `color_message` (its message with ANSI colours) to its own records: noise here.
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {
    "message",
    "asctime",
    "taskName",
    "color_message",
}


# The id of the request being served, set by api.middleware around each request: every
# line logged while serving it (by any module, through any logger) carries it, and so
# does background work that request started (asyncio tasks copy the context).
REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if "request_id" not in entry:
            request_id = REQUEST_ID.get()
            if request_id is not None:
                entry["request_id"] = request_id
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        # orjson: a line per request, so its cost is every request's. It refuses
        # what the json module takes (an int beyond 64 bits): then the json module.
        try:
            return orjson.dumps(entry, default=str).decode()
        except TypeError:
            return json.dumps(entry, default=str)


# What must never reach a text log line as itself: C0 and C1 controls (a newline forges a
# line, an escape sequence drives the terminal), line and paragraph separators, and the
# invisible or direction-changing format characters (a bidi override reorders what an
# operator reads).
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape_controls(text: str) -> str:
    """`text` on one line: every unsafe character written as its escape (\\x0a, \\u202e)."""
    return _UNSAFE.sub(_escaped, text)


class DevFormatter(logging.Formatter):
    """One line per record, whatever a client put in a path or a message: every field is
    escaped (the JSON lines of production are escaped by JSON itself). A traceback keeps
    its line breaks, each of its lines indented, so none can pass for a record."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        record.message = escape_controls(record.getMessage())
        record.asctime = self.formatTime(record, self.datefmt)
        text = escape_controls(self.formatMessage(record))
        extras = {
            k: v for k, v in record.__dict__.items()
            if k not in _STANDARD and k not in {"method", "path", "status"}
        }  # fmt: skip
        if extras:
            text += "  " + " ".join(
                f"{escape_controls(str(k))}={escape_controls(str(v))}" for k, v in extras.items()
            )
        details = []
        if record.exc_info:
            details.append(self.formatException(record.exc_info))
        if record.stack_info:
            details.append(self.formatStack(record.stack_info))
        for detail in details:
            for line in detail.splitlines():
                text += "\n    | " + escape_controls(line)
        return text


def configure_logging(level: str, *, json_lines: bool) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if json_lines else DevFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # uvicorn's own access log would duplicate ours (and lacks the request id).
    logging.getLogger("uvicorn.access").disabled = True
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
