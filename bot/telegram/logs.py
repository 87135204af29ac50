"""Logging that keeps secrets and people out of the log.

- the bot token is redacted from every record (httpx logs request URLs,
  which contain it);
- user ids are logged as a keyed hash, stable within one deployment;
- no message text is ever logged by checkbot.
"""

from __future__ import annotations

import hashlib
import hmac
import logging


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


def setup_logging(token: str, level: int = logging.INFO) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
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
