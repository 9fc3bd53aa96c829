"""Logs: one JSON object per line in production (for Fly's log shipping), plain text in
development. Request fields come from `extra=`; nothing here ever logs a token or body."""

from __future__ import annotations

import json
import logging
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
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        # orjson: a line per request, so its cost is every request's. It refuses
        # what the json module takes (an int beyond 64 bits): then the json module.
        try:
            return orjson.dumps(entry, default=str).decode()
        except TypeError:
            return json.dumps(entry, default=str)


class DevFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        extras = {
            k: v for k, v in record.__dict__.items()
            if k not in _STANDARD and k not in {"method", "path", "status"}
        }  # fmt: skip
        if extras:
            text += "  " + " ".join(f"{k}={v}" for k, v in extras.items())
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
