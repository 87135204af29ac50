"""Logging that keeps secrets and people out of the log.

- the bot token is redacted from every record (httpx logs request URLs,
  which contain it);
- user ids are logged as a keyed hash, stable within one deployment;
- no message text is ever logged by checkbot, and none by the library:
  its records that carry updates or API parameters and results (the raw
  batch it logs at CRITICAL when it cannot parse one, its DEBUG lines on
  every request) keep their first words and lose their content.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from typing import TextIO

# Library log lines whose arguments are updates, request parameters or API results.
_CARRIES_CONTENT = (
    "Received data was",
    "with parameters",
    "finished with return value",
    "Getting updates",
    "Processing update",
    "Error while parsing",
)


class RedactingFilter(logging.Filter):
    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if any(s in message for s in self._secrets):
            for secret in self._secrets:
                message = message.replace(secret, "<redacted>")
            record.msg, record.args = message, None
        if record.exc_info and record.exc_info[1] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            if any(s in text for s in self._secrets):
                for secret in self._secrets:
                    text = text.replace(secret, "<redacted>")
                record.exc_text = text
        return True


class ContentFilter(logging.Filter):
    """Drops the arguments of library records that would carry user content."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("telegram") and isinstance(record.msg, str):
            if any(marker in record.msg for marker in _CARRIES_CONTENT):
                head = record.msg.split("%", 1)[0].split("`", 1)[0].rstrip(" :")
                record.msg, record.args = f"{head} (content not logged)", None
                record.exc_info, record.exc_text = None, None
        return True


def setup_logging(token: str, level: int = logging.INFO, stream: TextIO | None = None) -> None:
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(ContentFilter())
    handler.addFilter(RedactingFilter([token]))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # request URLs carry the token; they are noise at INFO anyway
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)


class Pseudonyms:
    """Stable, non-reversible names for user ids in logs."""

    def __init__(self, key: str) -> None:
        self._key = hashlib.sha256(("checkbot-log:" + key).encode()).digest()

    def __call__(self, user_id: int | str | None) -> str:
        if user_id is None:
            return "-"
        digest = hmac.new(self._key, str(user_id).encode(), hashlib.sha256).hexdigest()
        return "u" + digest[:10]
