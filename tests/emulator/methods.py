"""The Bot API methods the emulator answers, keyed by lower-case name."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from . import api_errors as e
from .entities import FormattedText, utf16_len
from .formatted_text import MAX_CAPTION_LENGTH, MAX_TEXT_LENGTH, TextInput, build_formatted_text
from .markup import InlineKeyboard, ReplyKeyboard, parse_reply_markup
from .media import (
    MAX_PHOTO_BYTES,
    guess_mime_type,
    image_size,
    photo_sizes,
)
from .model import Message, StoredFile, UploadedFile
from .request_params import RequestParams, UploadedPart
from .update_queue import LONG_POLL_MAX_TIMEOUT
from .world import BotWorld, ChatState, WebhookConfig, file_path


@dataclass(frozen=True)
class ApiResult:
    """A successful answer that also carries a description (the webhook methods)."""

    result: Any
    description: str | None = None


@dataclass
class MethodContext:
    world: BotWorld
    allow_insecure_webhooks: bool
    on_webhook_change: Callable[[], None]


Handler = Callable[[MethodContext, RequestParams], Awaitable[Any]]

_CHAT_ACTIONS = frozenset({
    "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
    "record_audio", "upload_audio", "upload_document", "choose_sticker", "find_location",
    "record_video_note", "upload_video_note", "cancel",
})
_UPDATE_TYPES = frozenset({
    "message", "edited_message", "channel_post", "edited_channel_post", "business_connection",
    "business_message", "edited_business_message", "deleted_business_messages",
    "message_reaction", "message_reaction_count", "inline_query", "chosen_inline_result",
    "callback_query", "shipping_query", "pre_checkout_query", "purchased_paid_media", "poll",
    "poll_answer", "my_chat_member", "chat_member", "chat_join_request", "chat_boost",
    "removed_chat_boost",
})
_COMMAND = re.compile(r"^[a-z0-9_]+$")
_SCOPE_TYPES = frozenset({
    "default", "all_private_chats", "all_group_chats", "all_chat_administrators", "chat",
    "chat_administrators", "chat_member",
})


# --- helpers -------------------------------------------------------------------------


def _text_input(p: RequestParams, text_name: str, entities_name: str) -> TextInput:
    return TextInput(p.str(text_name) or "", p.str("parse_mode"), p.str(entities_name))


def _markup(p: RequestParams) -> InlineKeyboard | ReplyKeyboard | None:
    return parse_reply_markup(p.str("reply_markup"))


def _reply_target(state: ChatState, p: RequestParams) -> Message | None:
    reply = p.json("reply_parameters")
    allow_missing = p.bool("allow_sending_without_reply")
    if isinstance(reply, dict):
        if "message_id" not in reply:
            raise e.bad_request('can\'t find field "message_id"')
        message_id = reply.get("message_id")
        allow_missing = bool(reply.get("allow_sending_without_reply", allow_missing))
    else:
        message_id = p.int("reply_to_message_id")
    if not message_id:
        return None
    target = state.messages.get(int(message_id))
    if target is None or target.deleted:
        if allow_missing:
            return None
        raise e.bad_request(e.REPLY_NOT_FOUND)
    return target


def _caption(ctx: MethodContext, p: RequestParams) -> FormattedText | None:
    if p.str("caption") is None:
        return None
    caption = build_formatted_text(
        _text_input(p, "caption", "caption_entities"),
        allow_empty=True,
        resolve_user=ctx.world.user_api,
    )
    if utf16_len(caption.text) > MAX_CAPTION_LENGTH:
        raise e.bad_request(e.CAPTION_TOO_LONG)
    return caption


def _target_message(ctx: MethodContext, p: RequestParams, *, not_found: str) -> tuple[ChatState, Message]:
    if p.str("inline_message_id"):
        raise e.not_implemented("inline messages are not emulated")
    state = ctx.world.resolve_chat(p.str("chat_id"))
    message_id = p.int("message_id", 0) or 0
    if message_id <= 0:
        raise e.bad_request(e.MESSAGE_IDENTIFIER_NOT_SPECIFIED)
    message = state.messages.get(message_id)
    if message is None or message.deleted:
        raise e.bad_request(not_found)
    return state, message


# --- getMe, logOut, close ----------------------------------------------------------


async def get_me(ctx: MethodContext, p: RequestParams) -> Any:
    data = ctx.world.bot.to_api()
    data.update({
        "can_join_groups": True,
        "can_read_all_group_messages": not ctx.world.settings.group_privacy,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    })
    return data


async def log_out_or_close(ctx: MethodContext, p: RequestParams) -> Any:
    return True


# --- updates and webhooks ------------------------------------------------------------


async def get_updates(ctx: MethodContext, p: RequestParams) -> Any:
    world = ctx.world
    if world.webhook is not None:
        raise e.BotApiError(409, e.CONFLICT_WEBHOOK_ACTIVE)
    allowed = p.json("allowed_updates")
    if isinstance(allowed, list):
        world.updates.set_allowed_updates([str(kind) for kind in allowed if str(kind) in _UPDATE_TYPES])
    offset = p.int("offset")
    if offset:
        world.updates.confirm(offset)
    limit = max(1, min(100, p.int("limit", 100) or 0))
    timeout = max(0, min(LONG_POLL_MAX_TIMEOUT, p.int("timeout", 0) or 0))
    return await world.updates.get_updates(limit, timeout)


def _webhook_info(ctx: MethodContext) -> dict[str, Any]:
    world = ctx.world
    hook = world.webhook
    info: dict[str, Any] = {
        "url": hook.url if hook else "",
        "has_custom_certificate": False,
        "pending_update_count": len(world.updates.pending),
    }
    if hook is not None:
        info["max_connections"] = hook.max_connections
        if hook.ip_address:
            info["ip_address"] = hook.ip_address
        if hook.last_error_date is not None:
            info["last_error_date"] = hook.last_error_date
            info["last_error_message"] = hook.last_error_message
        if world.updates.allowed_updates is not None:
            info["allowed_updates"] = world.updates.allowed_updates
    return info


async def get_webhook_info(ctx: MethodContext, p: RequestParams) -> Any:
    return _webhook_info(ctx)


def _remove_webhook(ctx: MethodContext, p: RequestParams) -> ApiResult:
    if p.bool("drop_pending_updates"):
        ctx.world.updates.drop_pending()
    if ctx.world.webhook is None:
        return ApiResult(True, "Webhook is already deleted")
    ctx.world.webhook = None
    ctx.on_webhook_change()
    return ApiResult(True, "Webhook was deleted")


async def delete_webhook(ctx: MethodContext, p: RequestParams) -> Any:
    return _remove_webhook(ctx, p)


async def set_webhook(ctx: MethodContext, p: RequestParams) -> Any:
    url = (p.str("url") or "").strip()
    if not url:
        return _remove_webhook(ctx, p)
    lowered = url.lower()
    if not ctx.allow_insecure_webhooks:
        if not lowered.startswith("https://"):
            raise e.bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        port_match = re.match(r"https://[^/:]+(?::(\d+))?", lowered)
        port = port_match.group(1) if port_match else None
        if port not in (None, "443", "80", "88", "8443"):
            raise e.bad_request("bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443")
    elif not lowered.startswith(("http://", "https://")):
        raise e.bad_request("bad webhook: Wrong HTTP URL specified")
    secret = p.str("secret_token")
    if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
        raise e.bad_request("bad webhook: secret token contains unallowed characters")
    allowed = p.json("allowed_updates")
    if isinstance(allowed, list):
        ctx.world.updates.set_allowed_updates([str(k) for k in allowed if str(k) in _UPDATE_TYPES])
    if p.bool("drop_pending_updates"):
        ctx.world.updates.drop_pending()
    ctx.world.updates.terminate_poll(e.CONFLICT_SET_WEBHOOK)
    previous = ctx.world.webhook
    ctx.world.webhook = WebhookConfig(
        url=url,
        secret_token=secret,
        max_connections=max(1, min(100, p.int("max_connections", 40) or 40)),
        ip_address=p.str("ip_address"),
    )
    ctx.on_webhook_change()
    if previous is not None and previous.url == url:
        return ApiResult(True, "Webhook is already set")
    return ApiResult(True, "Webhook was set")


# --- commands --------------------------------------------------------------------


def _scope_key(p: RequestParams) -> tuple[str, str]:
    scope = p.json("scope")
    if scope is None:
        scope = {"type": "default"}
    if not isinstance(scope, dict):
        raise e.bad_request("can't parse BotCommandScope: expected an Object")
    kind = scope.get("type")
    if kind not in _SCOPE_TYPES:
        raise e.bad_request("can't parse BotCommandScope: Unsupported type specified")
    key_parts = [str(kind)]
    if kind in ("chat", "chat_administrators", "chat_member"):
        if "chat_id" not in scope:
            raise e.bad_request('can\'t parse BotCommandScope: Can\'t find field "chat_id"')
        key_parts.append(str(scope["chat_id"]))
    if kind == "chat_member":
        if "user_id" not in scope:
            raise e.bad_request('can\'t parse BotCommandScope: Can\'t find field "user_id"')
        key_parts.append(str(scope["user_id"]))
    language = p.str("language_code") or ""
    if language and not re.fullmatch(r"[a-z]{2}", language):
        raise e.bad_request("invalid language code specified")
    return ":".join(key_parts), language


def _validated_commands(raw: Any) -> list[dict[str, str]]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise e.bad_request("can't parse commands JSON object")
    commands = []
    for item in raw:
        if not isinstance(item, dict):
            raise e.bad_request("can't parse BotCommand: expected an Object")
        for name in ("command", "description"):
            if name not in item:
                raise e.bad_request(f'can\'t parse BotCommand: Can\'t find field "{name}"')
            if not isinstance(item[name], str):
                raise e.bad_request(f'can\'t parse BotCommand: Field "{name}" must be of type String')
        command = item["command"].strip()
        if command.startswith("/"):
            command = command[1:]
        description = item["description"].strip()
        if not command:
            raise e.bad_request("command must be non-empty")
        if len(command) > 32:
            raise e.bad_request("command length must not exceed 32")
        if not description:
            raise e.bad_request("command description must be non-empty")
        if len(description) > 256:
            raise e.bad_request("command description length must not exceed 256")
        commands.append({"command": command, "description": description})
    if len(commands) > 100:
        raise e.bad_request("BOT_COMMANDS_TOO_MUCH")
    for command in commands:
        if not _COMMAND.match(command["command"]):
            raise e.bad_request("BOT_COMMAND_INVALID")
    return commands


async def set_my_commands(ctx: MethodContext, p: RequestParams) -> Any:
    try:
        commands = _validated_commands(p.json("commands"))
        key = _scope_key(p)
    except e.BotApiError as exc:
        ctx.world.set_commands_result = exc.description
        raise
    if commands:
        ctx.world.commands[key] = commands
    else:
        ctx.world.commands.pop(key, None)
    ctx.world.set_commands_result = True
    return True


async def get_my_commands(ctx: MethodContext, p: RequestParams) -> Any:
    return [dict(c) for c in ctx.world.commands.get(_scope_key(p), [])]


async def delete_my_commands(ctx: MethodContext, p: RequestParams) -> Any:
    ctx.world.commands.pop(_scope_key(p), None)
    return True


# --- messages --------------------------------------------------------------------


def _message_text(ctx: MethodContext, p: RequestParams) -> FormattedText:
    if not p.str("text"):
        raise e.bad_request(e.MESSAGE_TEXT_EMPTY)
    text = build_formatted_text(
        _text_input(p, "text", "entities"), allow_empty=False, resolve_user=ctx.world.user_api
    )
    if utf16_len(text.text) > MAX_TEXT_LENGTH:
        raise e.bad_request(e.MESSAGE_TOO_LONG)
    return text


async def send_message(ctx: MethodContext, p: RequestParams) -> Any:
    state = ctx.world.resolve_chat(p.str("chat_id"))
    text = _message_text(ctx, p)
    markup = _markup(p)
    reply_to = _reply_target(state, p)
    return ctx.world.bot_message(state, text=text, markup=markup, reply_to=reply_to).to_api()


EDIT_WINDOW_SECONDS = 48 * 3600  # older messages can't be edited (as the contract's door assumes)


def _require_editable(ctx: MethodContext, message: Message) -> None:
    if message.sender.id != ctx.world.bot.id:
        raise e.bad_request(e.MESSAGE_CANT_BE_EDITED)
    if ctx.world.now() - message.date > EDIT_WINDOW_SECONDS:
        raise e.bad_request(e.MESSAGE_CANT_BE_EDITED)


def _finish_edit(ctx: MethodContext, state: ChatState, message: Message) -> Any:
    message.edit_date = ctx.world.now()
    ctx.world.record_event(state, "edit", message)
    return message.to_api()


def _inline_only(markup: InlineKeyboard | ReplyKeyboard | None) -> InlineKeyboard | None:
    if isinstance(markup, ReplyKeyboard):
        raise e.bad_request("inline keyboard expected")  # only inline keyboards can be edited in
    return markup


async def edit_message_text(ctx: MethodContext, p: RequestParams) -> Any:
    state, message = _target_message(ctx, p, not_found=e.MESSAGE_TO_EDIT_NOT_FOUND)
    text = _message_text(ctx, p)
    markup = _inline_only(_markup(p))
    _require_editable(ctx, message)
    if message.text is None:
        raise e.bad_request(e.NO_TEXT_TO_EDIT)
    if _same_text(message.text, text) and _same_markup(message.inline_keyboard, markup):
        raise e.bad_request(e.MESSAGE_NOT_MODIFIED)
    message.text = text
    message.inline_keyboard = markup
    return _finish_edit(ctx, state, message)


async def edit_message_caption(ctx: MethodContext, p: RequestParams) -> Any:
    state, message = _target_message(ctx, p, not_found=e.MESSAGE_TO_EDIT_NOT_FOUND)
    caption = _caption(ctx, p) or FormattedText("", [])
    markup = _inline_only(_markup(p))
    _require_editable(ctx, message)
    if not message.media:
        raise e.bad_request("there is no caption in the message to edit")
    old = message.caption or FormattedText("", [])
    if _same_text(old, caption) and _same_markup(message.inline_keyboard, markup):
        raise e.bad_request(e.MESSAGE_NOT_MODIFIED)
    message.caption = caption
    message.inline_keyboard = markup
    return _finish_edit(ctx, state, message)


async def edit_message_reply_markup(ctx: MethodContext, p: RequestParams) -> Any:
    state, message = _target_message(ctx, p, not_found=e.MESSAGE_TO_EDIT_NOT_FOUND)
    markup = _inline_only(_markup(p))
    _require_editable(ctx, message)
    if _same_markup(message.inline_keyboard, markup):
        raise e.bad_request(e.MESSAGE_NOT_MODIFIED)
    message.inline_keyboard = markup
    return _finish_edit(ctx, state, message)


def _same_text(old: FormattedText, new: FormattedText) -> bool:
    return old.text == new.text and old.entities_api() == new.entities_api()


def _same_markup(old: InlineKeyboard | None, new: InlineKeyboard | None) -> bool:
    def rows(markup: InlineKeyboard | None) -> Any:
        return markup.to_api()["inline_keyboard"] if markup is not None and markup.rows else []

    return rows(old) == rows(new)


async def delete_message(ctx: MethodContext, p: RequestParams) -> Any:
    state = ctx.world.resolve_chat(p.str("chat_id"))
    message_id = p.int("message_id", 0) or 0
    if message_id <= 0:
        raise e.bad_request(e.MESSAGE_IDENTIFIER_NOT_SPECIFIED)
    message = state.messages.get(message_id)
    if message is None or message.deleted:
        raise e.bad_request(e.MESSAGE_TO_DELETE_NOT_FOUND)
    if state.chat.type == "private":
        limit_ok = True
    else:
        limit_ok = message.from_bot  # in groups a bot that is no admin deletes only its own
    if not limit_ok:
        raise e.bad_request("message can't be deleted")
    message.deleted = True
    ctx.world.record_event(state, "delete", message)
    return True


async def answer_callback_query(ctx: MethodContext, p: RequestParams) -> Any:
    text = p.str("text")
    if text is not None and len(text) > 200:
        raise e.bad_request(e.CALLBACK_ANSWER_TOO_LONG)
    ctx.world.answer_callback(
        p.str("callback_query_id") or "",
        text=text or None,
        show_alert=p.bool("show_alert"),
        url=p.str("url"),
        cache_time=p.int("cache_time", 0) or 0,
    )
    return True


async def send_chat_action(ctx: MethodContext, p: RequestParams) -> Any:
    state = ctx.world.resolve_chat(p.str("chat_id"))
    action = (p.str("action") or "").strip().lower()
    if action not in _CHAT_ACTIONS:
        raise e.bad_request(e.WRONG_CHAT_ACTION)
    if state.blocked:
        raise e.BotApiError(403, e.BOT_BLOCKED)
    ctx.world.record_event(state, "chat_action", None, action=action)
    return True


# --- files ------------------------------------------------------------------------


def _input_file(
    ctx: MethodContext, p: RequestParams, name: str
) -> tuple[bytes, str | None, str | None, StoredFile | None]:
    value = p.input_file(name)
    if value is None or value == "":
        raise e.bad_request(f"there is no {name} in the request")
    if isinstance(value, UploadedPart):
        return value.data, value.filename, value.content_type, None
    if value.startswith(("http://", "https://")):
        raise e.bad_request("failed to get HTTP URL content")
    stored = ctx.world.file(value.strip())
    if stored is None:
        raise e.bad_request("wrong file identifier/HTTP URL specified")
    return stored.content, stored.filename, stored.mime_type, stored


async def send_document(ctx: MethodContext, p: RequestParams) -> Any:
    state = ctx.world.resolve_chat(p.str("chat_id"))
    content, filename, declared, existing = _input_file(ctx, p, "document")
    caption = _caption(ctx, p)
    markup = _markup(p)
    reply_to = _reply_target(state, p)
    if existing is None and not content:
        raise e.bad_request("file must be non-empty")
    stored = existing or ctx.world.store_file(
        "document", content, filename, guess_mime_type(filename, declared)
    )
    document: dict[str, Any] = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
                                "file_size": stored.file_size}
    if stored.filename:
        document["file_name"] = stored.filename
    if stored.mime_type:
        document["mime_type"] = stored.mime_type
    message = ctx.world.bot_message(
        state, caption=caption, media={"document": document}, markup=markup,
        reply_to=reply_to, files=[stored],
    )
    state.documents.append(UploadedFile(stored.filename, stored.content, caption.text if caption else None,
                                        stored.mime_type, message.message_id, stored.file_id))
    return message.to_api()


async def send_photo(ctx: MethodContext, p: RequestParams) -> Any:
    state = ctx.world.resolve_chat(p.str("chat_id"))
    content, filename, declared, existing = _input_file(ctx, p, "photo")
    caption = _caption(ctx, p)
    markup = _markup(p)
    reply_to = _reply_target(state, p)
    if len(content) > MAX_PHOTO_BYTES:
        raise e.bad_request("file is too big")
    size = image_size(content)
    if size is None:
        raise e.bad_request("IMAGE_PROCESS_FAILED")
    width, height = size
    if width + height > 10_000 or max(width, height) > 20 * max(1, min(width, height)):
        raise e.bad_request("PHOTO_INVALID_DIMENSIONS")
    stored = existing or ctx.world.store_file("photo", content, filename, guess_mime_type(filename, declared))
    photo = photo_sizes(stored.file_id, stored.file_unique_id, size, stored.file_size)
    message = ctx.world.bot_message(
        state, caption=caption, media={"photo": photo}, markup=markup,
        reply_to=reply_to, files=[stored],
    )
    state.photos.append(UploadedFile(stored.filename, stored.content, caption.text if caption else None,
                                     stored.mime_type, message.message_id, stored.file_id))
    return message.to_api()


async def get_file(ctx: MethodContext, p: RequestParams) -> Any:
    file_id = (p.str("file_id") or "").strip()
    if not file_id:
        raise e.bad_request("file_id is empty")
    stored = ctx.world.file(file_id)
    if stored is None:
        raise e.bad_request("wrong file_id or the file is temporarily unavailable")
    return {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
            "file_size": stored.file_size, "file_path": file_path(stored)}


async def get_chat(ctx: MethodContext, p: RequestParams) -> Any:
    state = ctx.world.resolve_chat(p.str("chat_id"))
    data = state.chat.to_api()
    data.update({"accent_color_id": 0, "max_reaction_count": 11})
    return data


METHODS: dict[str, Handler] = {
    "getme": get_me,
    "logout": log_out_or_close,
    "close": log_out_or_close,
    "getupdates": get_updates,
    "setwebhook": set_webhook,
    "deletewebhook": delete_webhook,
    "getwebhookinfo": get_webhook_info,
    "setmycommands": set_my_commands,
    "getmycommands": get_my_commands,
    "deletemycommands": delete_my_commands,
    "sendmessage": send_message,
    "editmessagetext": edit_message_text,
    "editmessagecaption": edit_message_caption,
    "editmessagereplymarkup": edit_message_reply_markup,
    "deletemessage": delete_message,
    "answercallbackquery": answer_callback_query,
    "sendchataction": send_chat_action,
    "senddocument": send_document,
    "sendphoto": send_photo,
    "getfile": get_file,
    "getchat": get_chat,
}
