"""Bot API error responses, with Telegram's own descriptions.

Every description here was taken from answers of the real Bot API (as quoted in
bug reports and in live-API test suites) or from the source of tdlib and the
official Bot API server. Descriptions that belong to the emulator itself (for
features it does not implement) start with ``EMULATOR_PREFIX`` so nobody mistakes
them for Telegram's wording.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

EMULATOR_PREFIX = "Bad Request: [emulator] "


@dataclass
class BotApiError(Exception):
    """A Bot API call that Telegram answers with ``ok: false``."""

    error_code: int
    description: str
    parameters: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.error_code}: {self.description}"

    def to_api(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = dict(self.parameters)
        return body


def bad_request(message: str) -> BotApiError:
    """400 with Telegram's "Bad Request: " prefix."""
    return BotApiError(400, f"Bad Request: {message}")


def not_implemented(message: str) -> BotApiError:
    """400 for a request the emulator cannot answer faithfully."""
    return BotApiError(400, EMULATOR_PREFIX + message)


# Descriptions used in more than one place.
CHAT_NOT_FOUND = "chat not found"
CHAT_ID_EMPTY = "chat_id is empty"
MESSAGE_TEXT_EMPTY = "message text is empty"
TEXT_MUST_BE_NON_EMPTY = "text must be non-empty"
MESSAGE_TOO_LONG = "message is too long"
CAPTION_TOO_LONG = "message caption is too long"
UNSUPPORTED_PARSE_MODE = "unsupported parse_mode"
CANT_PARSE_ENTITIES = "can't parse entities: "
BUTTON_DATA_INVALID = "BUTTON_DATA_INVALID"
MESSAGE_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
MESSAGE_TO_EDIT_NOT_FOUND = "message to edit not found"
MESSAGE_TO_DELETE_NOT_FOUND = "message to delete not found"
MESSAGE_CANT_BE_EDITED = "message can't be edited"
MESSAGE_IDENTIFIER_NOT_SPECIFIED = "message identifier is not specified"
NO_TEXT_TO_EDIT = "there is no text in the message to edit"
REPLY_NOT_FOUND = "message to be replied not found"
QUERY_ID_INVALID = "query is too old and response timeout expired or query ID is invalid"
CALLBACK_ANSWER_TOO_LONG = "MESSAGE_TOO_LONG"
WRONG_CHAT_ACTION = "wrong parameter action in request"
CONFLICT_OTHER_GET_UPDATES = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
CONFLICT_WEBHOOK_ACTIVE = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
CONFLICT_SET_WEBHOOK = "Conflict: terminated by setWebhook request"
BOT_BLOCKED = "Forbidden: bot was blocked by the user"
