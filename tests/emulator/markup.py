"""``reply_markup`` as the Bot API reads it.

Inline keyboards are validated button by button with the Bot API server's
wording and echoed back, normalised, in the Message objects Telegram returns.
Reply keyboards, keyboard removal and force-reply are validated for their
types and kept on the message for tests, but (as with Telegram) never echoed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from . import api_errors as e
from .links import check_link

MAX_CALLBACK_DATA_BYTES = 64

# Fields of an InlineKeyboardButton that choose what it does, in the order the
# Bot API server looks at them.
_INLINE_ACTIONS = (
    "url",
    "login_url",
    "callback_data",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "callback_game",
    "pay",
    "web_app",
    "copy_text",
)


@dataclass(frozen=True)
class InlineButton:
    text: str
    action: str  # one of _INLINE_ACTIONS
    value: Any

    @property
    def callback_data(self) -> str | None:
        return self.value if self.action == "callback_data" else None

    @property
    def url(self) -> str | None:
        return self.value if self.action == "url" else None

    def to_api(self) -> dict[str, Any]:
        return {"text": self.text, self.action: self.value}


@dataclass(frozen=True)
class InlineKeyboard:
    rows: tuple[tuple[InlineButton, ...], ...]

    def to_api(self) -> dict[str, Any]:
        return {"inline_keyboard": [[button.to_api() for button in row] for row in self.rows]}

    def buttons(self) -> list[InlineButton]:
        return [button for row in self.rows for button in row]


@dataclass(frozen=True)
class ReplyKeyboard:
    """A ReplyKeyboardMarkup, ReplyKeyboardRemove or ForceReply."""

    kind: str  # "keyboard" | "remove_keyboard" | "force_reply"
    rows: tuple[tuple[str, ...], ...] = ()
    options: dict[str, Any] = field(default_factory=dict)


Markup = InlineKeyboard | ReplyKeyboard


def _require_bool(obj: dict[str, Any], name: str, prefix: str = "") -> None:
    if name in obj and not isinstance(obj[name], bool):
        raise e.bad_request(f'{prefix}field "{name}" must be of type Boolean')


def _inline_button(raw: Any) -> InlineButton:
    prefix = "can't parse inline keyboard button: "
    if not isinstance(raw, dict):
        raise e.bad_request(prefix + "InlineKeyboardButton must be an Object")
    if "text" not in raw:
        raise e.bad_request(prefix + 'Can\'t find field "text"')
    if not isinstance(raw["text"], str):
        raise e.bad_request(prefix + 'Field "text" must be of type String')
    text = raw["text"]
    for action in _INLINE_ACTIONS:
        if action not in raw:
            continue
        value = raw[action]
        if action == "url":
            if not isinstance(value, str):
                raise e.bad_request(prefix + 'Field "url" must be of type String')
            checked = check_link(value)
            if checked.error:
                raise e.bad_request(f"inline keyboard button URL '{value}' is invalid: {checked.error}")
            return InlineButton(text, action, value)
        if action == "callback_data":
            if not isinstance(value, str):
                raise e.bad_request(prefix + 'Field "callback_data" must be of type String')
            if value == "":
                continue  # the Bot API reads an empty callback_data as none at all
            if len(value.encode("utf-8")) > MAX_CALLBACK_DATA_BYTES:
                raise e.bad_request(e.BUTTON_DATA_INVALID)
            return InlineButton(text, action, value)
        if action == "web_app":
            url = value.get("url", "") if isinstance(value, dict) else ""
            if not str(url).lower().startswith("https://"):
                raise e.bad_request(
                    f"inline keyboard button Web App URL '{url}' is invalid: Only HTTPS links are allowed"
                )
            return InlineButton(text, action, value)
        if action in ("callback_game", "pay"):
            raise e.bad_request("BUTTON_TYPE_INVALID")
        return InlineButton(text, action, value)
    raise e.bad_request(prefix + "Text buttons are unallowed in the inline keyboard")


def parse_reply_markup(raw: str | None) -> Markup | None:
    """Parse the ``reply_markup`` parameter (a JSON-serialised object)."""
    if raw is None or raw == "":
        return None
    try:
        obj = json.loads(raw)
    except ValueError:
        raise e.bad_request("can't parse reply keyboard markup JSON object") from None
    if not isinstance(obj, dict):
        raise e.bad_request("can't parse reply keyboard markup JSON object")

    if "inline_keyboard" in obj:
        rows = obj["inline_keyboard"]
        if not isinstance(rows, list):
            raise e.bad_request('field "inline_keyboard" must be of type Array')
        parsed_rows = []
        for row in rows:
            if not isinstance(row, list):
                raise e.bad_request(
                    'field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays'
                )
            parsed_rows.append(tuple(_inline_button(button) for button in row))
        return InlineKeyboard(tuple(row for row in parsed_rows if row))

    if "keyboard" in obj:
        rows = obj["keyboard"]
        if not isinstance(rows, list):
            raise e.bad_request('field "keyboard" must be of type Array')
        for name in ("resize_keyboard", "one_time_keyboard", "is_persistent", "selective"):
            _require_bool(obj, name)
        labels: list[tuple[str, ...]] = []
        for row in rows:
            if not isinstance(row, list):
                raise e.bad_request(
                    'field "keyboard" of the ReplyKeyboardMarkup should be an Array of Arrays'
                )
            row_labels = []
            for button in row:
                if isinstance(button, str):
                    row_labels.append(button)
                elif isinstance(button, dict):
                    if "text" not in button:
                        raise e.bad_request('can\'t parse keyboard button: Can\'t find field "text"')
                    if not isinstance(button["text"], str):
                        raise e.bad_request(
                            'can\'t parse keyboard button: Field "text" must be of type String'
                        )
                    row_labels.append(button["text"])
                else:
                    raise e.bad_request("can't parse keyboard button: KeyboardButton must be a String or an Object")
            labels.append(tuple(row_labels))
        options = {k: v for k, v in obj.items() if k != "keyboard"}
        return ReplyKeyboard("keyboard", tuple(labels), options)

    if "remove_keyboard" in obj or "hide_keyboard" in obj:
        _require_bool(obj, "remove_keyboard")
        _require_bool(obj, "selective")
        return ReplyKeyboard("remove_keyboard", (), dict(obj))

    if "force_reply" in obj:
        _require_bool(obj, "force_reply")
        _require_bool(obj, "selective")
        return ReplyKeyboard("force_reply", (), dict(obj))

    return None
